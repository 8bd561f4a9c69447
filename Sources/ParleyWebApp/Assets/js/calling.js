// Calls over Parley's calling protocol (docs/realtime.md, "Calling") with real WebRTC media.
// The agent registers the connection as a calling endpoint (again after every reconnect, with
// the same endpoint id, so calls survive a dropped connection); each call keeps the newest
// snapshot the server sent and one RTCPeerConnection to the other party. Parley relays SDP and
// ICE; media flows between the browsers, through the TURN relay when the registration says so.

import {Emitter} from "./dom.js";

const ENDPOINT_KEY = "parley.endpoint.";
const SETTINGS_KEY = "parley.media";

/** Media preferences (devices, relay-only), kept in this browser. */
export const mediaSettings = Object.assign(
  {audioInput: "", videoInput: "", relayOnly: false},
  JSON.parse(localStorage.getItem(SETTINGS_KEY) || "{}"),
);

export function saveMediaSettings() {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(mediaSettings));
}

export class CallAgent extends Emitter {
  constructor(realtime, session) {
    super();
    this.realtime = realtime;
    this.session = session;
    this.calls = new Map();
    this.incoming = new Map();
    this.iceServers = [];
    this.registered = false;
    this.error = null;
    realtime.on("ready", () => this.register());
    realtime.on("state", (state) => { if (state !== "connected") this.registered = false; });
    realtime.on("calling", (frame) => this.#frame(frame));
  }

  get endpointKey() { return ENDPOINT_KEY + this.session.me.rawId; }

  /** Registers (or takes its calls back after a reconnect). */
  async register() {
    try {
      const reply = await this.realtime.request("registerCallAgent", {
        displayName: this.session.me.displayName, endpointId: sessionStorage.getItem(this.endpointKey) || undefined,
      });
      const registration = reply.registration;
      sessionStorage.setItem(this.endpointKey, registration.endpointId);
      this.iceServers = registration.iceServers || [];
      this.registered = true;
      this.error = null;
      const known = new Set(registration.calls.map((c) => c.id));
      for (const [id, call] of this.calls) if (!known.has(id) && call.state !== "Disconnected") call.lost();
      for (const snapshot of registration.calls) this.#snapshot(snapshot);
      const ringing = new Set(registration.ringing.map((c) => c.id));
      for (const id of [...this.incoming.keys()]) if (!ringing.has(id)) this.#incomingEnded({id, callEndReason: {code: 487, subCode: 0}});
      for (const info of registration.ringing) if (!this.incoming.has(info.id)) this.#incoming(info);
      this.emit("registered", registration);
    } catch (error) {
      this.error = error;
      this.emit("error", error);
    }
  }

  /** Calls `target` ({rawId, displayName}); `video` turns the camera on. */
  async start(target, {video = true} = {}) {
    const media = await LocalMedia.open(video);
    let reply;
    try {
      reply = await this.realtime.request("startCall", {targets: [{rawId: target.rawId}]});
    } catch (error) {
      media.stop();
      throw error;
    }
    const call = this.#call(reply.call.id, media, target);
    call.update(reply.call);
    return call;
  }

  async accept(callId, {video = true} = {}) {
    const info = this.incoming.get(callId);
    const media = await LocalMedia.open(video);
    let reply;
    try {
      reply = await this.realtime.request("acceptCall", {callId});
    } catch (error) {
      media.stop();
      throw error;
    }
    this.incoming.delete(callId);
    this.emit("incomingEnded", {id: callId, accepted: true});
    const caller = info?.callerInfo || reply.call.callerInfo;
    const call = this.#call(callId, media, {rawId: caller.identifier.rawId, displayName: caller.displayName});
    call.update(reply.call);
    // The callee's endpoint knows it is connected from this reply: it makes the first offer.
    call.offer().catch((error) => call.fail(error));
    return call;
  }

  async reject(callId) {
    await this.realtime.request("rejectCall", {callId});
    this.incoming.delete(callId);
    this.emit("incomingEnded", {id: callId, declined: true});
  }

  #call(id, media, peer) {
    let call = this.calls.get(id);
    if (!call) {
      call = new Call(this, id, media, peer);
      this.calls.set(id, call);
      this.emit("call", call);
    }
    return call;
  }

  #frame(frame) {
    switch (frame.type) {
      case "incomingCall": this.#incoming(frame.data); break;
      case "incomingCallEnded": this.#incomingEnded(frame.data); break;
      case "call": this.#snapshot(frame.data); break;
      case "signal": this.calls.get(frame.data.callId)?.signal(frame.data); break;
    }
  }

  #snapshot(snapshot) {
    const call = this.calls.get(snapshot.id);
    if (call) call.update(snapshot);
    else if (snapshot.state !== "Disconnected") {
      // A call taken back after a reload: its media starts again from here.
      const peer = snapshot.remoteParticipants[0];
      const created = this.#call(snapshot.id, null, peer ? {rawId: peer.identifier.rawId, displayName: peer.displayName} : null);
      created.update(snapshot);
    }
  }

  #incoming(info) {
    this.incoming.set(info.id, info);
    this.emit("incoming", info);
  }

  #incomingEnded(data) {
    if (!this.incoming.delete(data.id)) return;
    this.emit("incomingEnded", data);
  }

  forget(call) {
    this.calls.delete(call.id);
  }
}

/** The microphone and camera of this browser for one call. */
class LocalMedia {
  constructor(stream) {
    this.stream = stream;
  }

  static async open(video) {
    const audio = mediaSettings.audioInput ? {deviceId: {exact: mediaSettings.audioInput}} : true;
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({audio, video: video ? LocalMedia.videoConstraints() : false});
    } catch (error) {
      throw Object.assign(new Error("Your microphone or camera could not be used: " + (error.message || error.name)), {code: "MediaUnavailable"});
    }
    return new LocalMedia(stream);
  }

  static videoConstraints() {
    const base = {width: {ideal: 640}, height: {ideal: 480}};
    return mediaSettings.videoInput ? {...base, deviceId: {exact: mediaSettings.videoInput}} : base;
  }

  get audio() { return this.stream.getAudioTracks()[0] || null; }
  get video() { return this.stream.getVideoTracks()[0] || null; }

  stop() {
    for (const track of this.stream.getTracks()) track.stop();
  }
}

export class Call extends Emitter {
  constructor(agent, id, media, peer) {
    super();
    this.agent = agent;
    this.id = id;
    this.media = media;
    this.peer = peer;
    this.snapshot = null;
    this.pc = null;
    this.queued = [];
    this.remoteStream = new MediaStream();
    this.cameraOn = !!media?.video;
    this.error = null;
  }

  get state() { return this.snapshot?.state || "Connecting"; }
  get isMuted() { return !!this.snapshot?.isMuted; }

  update(snapshot) {
    if (this.snapshot && snapshot.version < this.snapshot.version) return;
    const before = this.snapshot;
    this.snapshot = snapshot;
    const remote = snapshot.remoteParticipants.find((p) => p.state !== "Disconnected") || snapshot.remoteParticipants[0];
    if (remote) this.peer = {rawId: remote.identifier.rawId, displayName: remote.displayName || this.peer?.displayName};
    const held = snapshot.state === "LocalHold";
    this.#applyTrackState(held);
    if (snapshot.state === "Disconnected") this.#close();
    this.emit("changed", {before, after: snapshot});
  }

  /** The call went away while the connection was down. */
  lost() {
    this.update({...this.snapshot, version: (this.snapshot?.version || 0) + 1, state: "Disconnected",
      callEndReason: {code: 410, subCode: 3101}});
  }

  fail(error) {
    this.error = error;
    this.emit("error", error);
  }

  // MARK: Requests

  request(type, data = {}) {
    return this.agent.realtime.request(type, {callId: this.id, ...data});
  }

  hangUp() {
    this.hungUpHere = true;
    return this.request("hangUp");
  }
  hold() { return this.request("hold"); }
  resume() { return this.request("resume"); }
  mute(muted) { return this.request("mute", {muted}); }
  setRecording(active) { return this.request("setRecording", {active}); }
  setTranscription(active) { return this.request("setTranscription", {active}); }
  addParticipant(rawId) { return this.request("addParticipant", {target: {rawId}}); }

  /** Camera on or off: the video sender's track is replaced, no renegotiation needed. */
  async setCamera(on) {
    if (!this.media) return;
    if (on && !this.media.video) {
      const stream = await navigator.mediaDevices.getUserMedia({video: LocalMedia.videoConstraints()});
      this.media.stream.addTrack(stream.getVideoTracks()[0]);
    } else if (!on && this.media.video) {
      const track = this.media.video;
      track.stop();
      this.media.stream.removeTrack(track);
    }
    this.cameraOn = on;
    await this.#sender("video")?.replaceTrack(on ? this.media.video : null);
    this.emit("changed", {after: this.snapshot});
  }

  /** Uses another microphone or camera from now on. */
  async switchDevice(kind, deviceId) {
    if (!this.media) return;
    const constraints = kind === "audio" ? {audio: {deviceId: {exact: deviceId}}} : {video: {...LocalMedia.videoConstraints(), deviceId: {exact: deviceId}}};
    if (kind === "video" && !this.cameraOn) return;
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    const track = stream.getTracks()[0];
    const old = kind === "audio" ? this.media.audio : this.media.video;
    if (old) { old.stop(); this.media.stream.removeTrack(old); }
    this.media.stream.addTrack(track);
    await this.#sender(kind)?.replaceTrack(track);
    this.#applyTrackState(this.state === "LocalHold");
    this.emit("changed", {after: this.snapshot});
  }

  // MARK: Media negotiation

  #peerConnection() {
    if (this.pc) return this.pc;
    const pc = this.pc = new RTCPeerConnection({
      iceServers: this.agent.iceServers, iceTransportPolicy: mediaSettings.relayOnly ? "relay" : "all",
    });
    pc.onicecandidate = (event) => {
      if (!event.candidate || !event.candidate.candidate || !this.peer) return;
      const c = event.candidate;
      this.request("signal", {to: this.peer.rawId, kind: "candidate",
        candidate: {candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex}}).catch(() => {});
    };
    pc.ontrack = (event) => {
      if (!this.remoteStream.getTracks().includes(event.track)) this.remoteStream.addTrack(event.track);
      this.emit("media");
    };
    pc.onconnectionstatechange = () => this.emit("changed", {after: this.snapshot});
    return pc;
  }

  #sender(kind) {
    return this.pc?.getTransceivers().find((t) => t.receiver.track?.kind === kind)?.sender || null;
  }

  /** The first offer (the callee's): audio and video transceivers, whatever the camera says. */
  async offer() {
    const pc = this.#peerConnection();
    const stream = this.media?.stream || new MediaStream();
    pc.addTransceiver(this.media?.audio || "audio", {direction: "sendrecv", streams: [stream]});
    pc.addTransceiver(this.media?.video || "video", {direction: "sendrecv", streams: [stream]});
    await pc.setLocalDescription(await pc.createOffer());
    await this.request("signal", {to: this.peer.rawId, kind: "offer", sdp: pc.localDescription.sdp});
  }

  async signal(data) {
    try {
      const pc = this.#peerConnection();
      if (data.kind === "offer") {
        if (pc.signalingState === "have-local-offer") {
          if (!data.receiverIsPolite) return; // the other side rolls back
          await pc.setLocalDescription({type: "rollback"});
        }
        await pc.setRemoteDescription({type: "offer", sdp: data.sdp});
        const stream = this.media?.stream || new MediaStream();
        for (const transceiver of pc.getTransceivers()) {
          const kind = transceiver.receiver.track?.kind;
          const track = kind === "audio" ? this.media?.audio : kind === "video" ? this.media?.video : null;
          transceiver.direction = "sendrecv";
          await transceiver.sender.replaceTrack(track || null);
          transceiver.sender.setStreams?.(stream);
        }
        await pc.setLocalDescription(await pc.createAnswer());
        await this.request("signal", {to: data.from, kind: "answer", sdp: pc.localDescription.sdp});
        await this.#flush();
      } else if (data.kind === "answer") {
        await pc.setRemoteDescription({type: "answer", sdp: data.sdp});
        await this.#flush();
      } else if (data.kind === "candidate" && data.candidate) {
        if (pc.remoteDescription) await pc.addIceCandidate(data.candidate);
        else this.queued.push(data.candidate);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  async #flush() {
    for (const candidate of this.queued.splice(0)) await this.pc.addIceCandidate(candidate).catch(() => {});
  }

  #applyTrackState(held) {
    if (!this.media) return;
    if (this.media.audio) this.media.audio.enabled = !held && !this.isMuted;
    if (this.media.video) this.media.video.enabled = !held;
  }

  #close() {
    this.pc?.close();
    this.pc = null;
    this.media?.stop();
  }

  /** Bytes received so far and the route the media takes. */
  async stats() {
    if (!this.pc) return null;
    const report = await this.pc.getStats();
    const all = new Map();
    report.forEach((s) => all.set(s.id, s));
    let audio = 0;
    let video = 0;
    let route = null;
    for (const s of all.values()) {
      if (s.type === "inbound-rtp" && s.kind === "audio") audio += s.bytesReceived || 0;
      if (s.type === "inbound-rtp" && s.kind === "video") video += s.bytesReceived || 0;
      if (s.type === "transport" && s.selectedCandidatePairId) {
        const pair = all.get(s.selectedCandidatePairId);
        const local = pair && all.get(pair.localCandidateId);
        const remote = pair && all.get(pair.remoteCandidateId);
        if (local && remote) route = local.candidateType === "relay" || remote.candidateType === "relay" ? "relay" : "direct";
      }
    }
    return {audioBytes: audio, videoBytes: video, route, connection: this.pc.connectionState};
  }
}
