// Your own microphone, camera and screen in a call.
//
// LocalMedia holds one MediaStream (`stream`: at most one audio and one video track) that
// the call view shows as your tile and the sessions send. The video track is the camera
// or, while sharing, the screen. What changes a track tells `onTrack(kind, track)` so the
// sessions can swap it in their senders (RTCRtpSender.replaceTrack: no renegotiation when
// a sender exists already).

const CAMERA = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } };

export class LocalMedia extends EventTarget {
  /** @param {{video: boolean}} options start with the camera on (a video call) or off */
  constructor({ video }) {
    super();
    this.wantVideo = video;
    this.stream = new MediaStream();
    this.audio = null; // the microphone track
    this.camera = null; // the camera track, while the camera is on
    this.screen = null; // the screen track, while sharing
    this.muted = false;
    this.micId = localStorage.getItem("parley.call.mic") || "";
    this.cameraId = localStorage.getItem("parley.call.camera") || "";
  }

  /** Ask for the microphone (and camera); throws a user-facing Error if refused. */
  async start() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: this.micConstraints(),
        video: this.wantVideo ? this.cameraConstraints() : false,
      });
    } catch (error) {
      if (!this.wantVideo) throw explain(error, "microphone");
      // No camera (or refused): carry on with sound only.
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: this.micConstraints() });
      } catch (second) {
        throw explain(second, "microphone");
      }
    }
    this.audio = stream.getAudioTracks()[0] || null;
    this.camera = stream.getVideoTracks()[0] || null;
    for (const track of stream.getTracks()) this.stream.addTrack(track);
  }

  micConstraints() {
    const base = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    return this.micId ? { ...base, deviceId: { exact: this.micId } } : base;
  }

  cameraConstraints() {
    return this.cameraId ? { ...CAMERA, deviceId: { exact: this.cameraId } } : CAMERA;
  }

  /** The track sent as video now: the screen while sharing, else the camera (or none). */
  get video() {
    return this.screen || this.camera;
  }

  get cameraOn() {
    return Boolean(this.camera);
  }

  get sharing() {
    return Boolean(this.screen);
  }

  setMuted(muted) {
    this.muted = muted;
    if (this.audio) this.audio.enabled = !muted;
    this.changed();
  }

  /** Turn the camera on (asks for it again) or off (stops it: its light goes off too). */
  async setCamera(on) {
    if (on === this.cameraOn) return;
    if (on) {
      const stream = await navigator.mediaDevices
        .getUserMedia({ video: this.cameraConstraints() })
        .catch((error) => {
          throw explain(error, "camera");
        });
      this.camera = stream.getVideoTracks()[0];
    } else {
      this.camera.stop();
      this.camera = null;
    }
    if (!this.screen) this.swapVideo();
    this.changed();
  }

  /** Share a screen or window (the browser asks which), instead of the camera. */
  async startSharing() {
    if (this.screen) return;
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      if (error.name === "NotAllowedError" || error.name === "AbortError") return; // cancelled
      throw explain(error, "screen");
    }
    this.screen = stream.getVideoTracks()[0];
    this.screen.contentHint = "detail";
    // The browser's own "Stop sharing" button ends the track.
    this.screen.addEventListener("ended", () => this.stopSharing());
    this.swapVideo();
    this.changed();
  }

  stopSharing() {
    if (!this.screen) return;
    this.screen.stop();
    this.screen = null;
    this.swapVideo();
    this.changed();
  }

  /** Use another microphone or camera (a deviceId from devices()); remembered. */
  async useDevice(kind, deviceId) {
    if (kind === "audioinput") {
      this.micId = deviceId;
      localStorage.setItem("parley.call.mic", deviceId);
      const stream = await navigator.mediaDevices.getUserMedia({ audio: this.micConstraints() }).catch((error) => {
        throw explain(error, "microphone");
      });
      const track = stream.getAudioTracks()[0];
      track.enabled = !this.muted;
      if (this.audio) {
        this.stream.removeTrack(this.audio);
        this.audio.stop();
      }
      this.audio = track;
      this.stream.addTrack(track);
      this.emit("track", { kind: "audio", track });
    } else {
      this.cameraId = deviceId;
      localStorage.setItem("parley.call.camera", deviceId);
      if (this.camera) {
        const old = this.camera;
        this.camera = null;
        old.stop();
        await this.setCamera(true);
        return;
      }
    }
    this.changed();
  }

  /** The microphones and cameras, once the page may see their names (after start()). */
  async devices() {
    const all = await navigator.mediaDevices.enumerateDevices();
    return {
      audioinput: all.filter((d) => d.kind === "audioinput"),
      videoinput: all.filter((d) => d.kind === "videoinput"),
    };
  }

  /** Put the current video track (screen, camera or none) in the stream and tell. */
  swapVideo() {
    for (const track of this.stream.getVideoTracks()) this.stream.removeTrack(track);
    const track = this.video;
    if (track) this.stream.addTrack(track);
    this.emit("track", { kind: "video", track });
  }

  changed() {
    this.emit("change", {});
  }

  stop() {
    for (const track of [this.audio, this.camera, this.screen]) track?.stop();
    this.audio = this.camera = this.screen = null;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}

/** A getUserMedia failure as a sentence for the person. */
function explain(error, what) {
  const messages = {
    NotAllowedError: `Parley may not use your ${what}: allow it in the browser's site settings.`,
    NotFoundError: `No ${what} was found.`,
    NotReadableError: `Your ${what} is in use by another program.`,
    OverconstrainedError: `The chosen ${what} is not available.`,
  };
  return new Error(messages[error.name] || `Could not use your ${what} (${error.message || error.name}).`);
}
