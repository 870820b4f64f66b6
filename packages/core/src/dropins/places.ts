/** Places left, from what is known before the room opens (people who said they plan to come). */
export const placesLeft = (capacity: number, expected: number) => Math.max(0, capacity - expected);
