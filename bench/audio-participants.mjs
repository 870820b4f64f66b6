// A group of server-side LiveKit participants for bench/audio.bench.mjs, in its
// own process (one Node process holds only a few dozen rtc-node rooms well).
// argv[2]: JSON { url, people: [{ token, speaker, index }] }. Prints "ready"
// once all have joined; on SIGTERM they leave and the process exits.
import {
  AudioFrame,
  AudioSource,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackPublishOptions,
  TrackSource,
} from "@livekit/rtc-node";

const { url, people } = JSON.parse(process.argv[2]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let running = true;

/**
 * Speakers publish a tone; everyone else is a muted listener (a muted
 * microphone sends nothing in LiveKit, so it publishes nothing here).
 * Everyone subscribes to every speaker.
 */
async function join({ token, speaker, index }) {
  const room = new Room();
  const listen = (publication, participant) => {
    if (participant.identity.startsWith("speaker-")) publication.setSubscribed(true);
  };
  room.on(RoomEvent.TrackPublished, listen);
  await room.connect(url, token, { autoSubscribe: false, dynacast: false });
  for (const other of room.remoteParticipants.values())
    for (const publication of other.trackPublications.values()) listen(publication, other);
  let source = null;
  if (speaker) {
    source = new AudioSource(48_000, 1);
    const options = new TrackPublishOptions();
    options.source = TrackSource.SOURCE_MICROPHONE;
    await room.localParticipant.publishTrack(LocalAudioTrack.createAudioTrack("microphone", source), options);
    const data = new Int16Array(480);
    for (let i = 0; i < 480; i++)
      data[i] = Math.round(9000 * Math.sin((2 * Math.PI * (200 + 100 * index) * i) / 48_000));
    void (async () => {
      while (running) await source.captureFrame(new AudioFrame(data, 48_000, 1, 480)).catch(() => sleep(100));
    })();
  }
  return room;
}

const rooms = [];
for (const person of people) rooms.push(await join(person));
console.log("ready");
process.on("SIGTERM", async () => {
  running = false;
  await Promise.race([Promise.all(rooms.map((r) => r.disconnect().catch(() => undefined))), sleep(5000)]);
  process.exit(0);
});
