// WebAudio for calls: the ringtone (made here, no audio file to download) and the
// speaking indicator (an AnalyserNode per stream). One AudioContext per page, made on
// first use; browsers start it suspended until the page has had a click or key press, so
// it is resumed then too.

let context = null;

/** The page's AudioContext (created on first use). */
export function audioContext() {
  if (!context) {
    context = new AudioContext();
    const wake = () => {
      if (context.state === "suspended") context.resume().catch(() => {});
    };
    addEventListener("pointerdown", wake, { capture: true });
    addEventListener("keydown", wake, { capture: true });
  }
  if (context.state === "suspended") context.resume().catch(() => {});
  return context;
}

/**
 * A repeating tone until stop(): "incoming" is two short rising chimes every 2.5 s (the
 * ringtone); "outgoing" a quiet single tone every 3 s (what the caller hears while it rings).
 */
export class Tone {
  constructor(kind = "incoming") {
    this.kind = kind;
    this.timer = 0;
    this.gain = null;
  }

  start() {
    if (this.timer) return;
    const ctx = audioContext();
    this.gain = ctx.createGain();
    this.gain.gain.value = this.kind === "incoming" ? 0.25 : 0.08;
    this.gain.connect(ctx.destination);
    const period = this.kind === "incoming" ? 2500 : 3000;
    this.ring();
    this.timer = setInterval(() => this.ring(), period);
  }

  ring() {
    const ctx = audioContext();
    const t = ctx.currentTime + 0.05;
    const notes =
      this.kind === "incoming"
        ? [
            [660, t, 0.18],
            [880, t + 0.22, 0.28],
            [660, t + 0.8, 0.18],
            [880, t + 1.02, 0.28],
          ]
        : [[440, t, 1.2]];
    for (const [frequency, at, length] of notes) {
      const osc = ctx.createOscillator();
      const env = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      // A short attack and release: no clicks.
      env.gain.setValueAtTime(0, at);
      env.gain.linearRampToValueAtTime(1, at + 0.02);
      env.gain.setValueAtTime(1, at + length - 0.05);
      env.gain.linearRampToValueAtTime(0, at + length);
      osc.connect(env).connect(this.gain);
      osc.start(at);
      osc.stop(at + length + 0.01);
    }
  }

  stop() {
    clearInterval(this.timer);
    this.timer = 0;
    this.gain?.disconnect();
    this.gain = null;
  }

  get playing() {
    return Boolean(this.timer);
  }
}

const SPEAKING_LEVEL = 0.02; // RMS of the waveform (full scale 1) that counts as speech
const HOLD_MS = 400; // stays "speaking" this long after the level drops (no flicker)

/**
 * Tells when the audio of a stream is loud enough to be speech: onChange(true/false).
 * Chrome gives WebAudio a remote WebRTC stream's samples only while the stream also plays
 * in a media element; the call view's tiles do that.
 */
export class SpeakingDetector {
  constructor(stream, onChange) {
    this.onChange = onChange;
    this.speaking = false;
    this.lastLoud = 0;
    const ctx = audioContext();
    this.source = ctx.createMediaStreamSource(stream);
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 512;
    this.samples = new Float32Array(this.analyser.fftSize);
    this.source.connect(this.analyser);
    this.timer = setInterval(() => this.measure(), 100);
  }

  measure() {
    this.analyser.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const s of this.samples) sum += s * s;
    const level = Math.sqrt(sum / this.samples.length);
    const now = performance.now();
    if (level > SPEAKING_LEVEL) this.lastLoud = now;
    const speaking = now - this.lastLoud < HOLD_MS;
    if (speaking !== this.speaking) {
      this.speaking = speaking;
      this.onChange(speaking);
    }
  }

  stop() {
    clearInterval(this.timer);
    this.source.disconnect();
    if (this.speaking) this.onChange(false);
  }
}
