// The call on screen: the other person's video, my preview, the call's state and end reason in
// words, the recording and transcription notice (privacy rule P1), and the controls, with the
// ones the call does not allow shown disabled and the reason next to them.

import {announce, fill, h} from "./dom.js";
import {mediaSettings} from "./calling.js";
import {callState, capabilityReason, endReason, sentence} from "./sentences.js";
import {PeoplePicker} from "./people.js";

export class CallView {
  constructor(app) {
    this.app = app;
    this.call = null;
    this.element = h("section", {class: "call", id: "call", "aria-label": "Call", hidden: true});
    document.getElementById("main").append(this.element);
    this.statsTimer = null;
  }

  show(call) {
    this.call = call;
    this.remoteVideo = h("video", {class: "remote-video", id: "remote-video", autoplay: true, playsinline: true, "aria-label": "The other person's video"});
    this.remoteVideo.srcObject = call.remoteStream;
    this.localVideo = h("video", {class: "local-video", id: "local-video", autoplay: true, playsinline: true, muted: true, "aria-label": "Your video"});
    this.localVideo.muted = true;
    if (call.media) this.localVideo.srcObject = call.media.stream;
    this.banner = h("div", {class: "privacy-banner", id: "recording-banner", role: "alert", hidden: true});
    this.stateLine = h("p", {class: "call-state", id: "call-state", "aria-live": "polite"});
    this.endLine = h("p", {class: "end-reason", id: "end-reason", role: "status"});
    this.errorLine = h("p", {class: "form-error", id: "call-error", role: "alert"});
    this.stats = h("p", {class: "stats", id: "call-stats"});
    this.controls = h("div", {class: "controls", role: "toolbar", "aria-label": "Call controls"});
    fill(this.element,
      h("header", {class: "call-head"}, h("h2", {id: "call-title"}, call.peer?.displayName || "Call"), this.stateLine),
      this.banner,
      h("div", {class: "stage"}, this.remoteVideo, this.localVideo),
      this.endLine, this.errorLine, this.controls, this.stats);
    this.element.hidden = false;
    document.getElementById("main").dataset.call = "on";
    call.on("changed", ({before, after}) => this.#render(before, after));
    call.on("media", () => { this.remoteVideo.srcObject = call.remoteStream; this.remoteVideo.play().catch(() => {}); });
    call.on("error", (error) => { this.errorLine.textContent = sentence(error); });
    this.#render(null, call.snapshot);
    clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.#stats(), 1000);
  }

  async #do(action) {
    this.errorLine.textContent = "";
    try {
      await action();
    } catch (error) {
      this.errorLine.textContent = sentence(error, this.call?.peer?.displayName);
    }
  }

  #render(before, snapshot) {
    const call = this.call;
    if (!call) return;
    const state = snapshot?.state || "Connecting";
    this.element.dataset.state = state;
    const peerName = call.peer?.displayName || "The other person";
    this.element.querySelector("#call-title").textContent = peerName;
    const remote = snapshot?.remoteParticipants?.find((p) => p.state !== "Disconnected");
    const held = remote?.state === "Hold" ? ` · ${peerName} put the call on hold` : "";
    const muted = remote?.isMuted ? ` · ${peerName} is muted` : "";
    this.stateLine.textContent = callState(state) + held + muted;
    // P1: what the app user must learn of recording and transcription, the moment it changes.
    const recording = !!snapshot?.isRecordingActive;
    const transcribing = !!snapshot?.isTranscriptionActive;
    const notices = [recording ? "This call is being recorded." : null, transcribing ? "This call is being transcribed." : null].filter(Boolean);
    this.banner.hidden = notices.length === 0;
    this.banner.textContent = notices.length ? notices.join(" ") + " By staying in the call, you agree to it." : "";
    this.banner.dataset.recording = String(recording);
    this.banner.dataset.transcription = String(transcribing);
    if (before && (before.isRecordingActive !== recording || before.isTranscriptionActive !== transcribing) && !notices.length) {
      announce("Recording and transcription have stopped.");
    }
    if (state === "Disconnected") {
      const reason = snapshot.callEndReason;
      this.endLine.textContent = reason && reason.code === 0 && reason.subCode === 0
        ? (call.hungUpHere ? "You hung up. The call has ended." : `${peerName} hung up. The call has ended.`)
        : endReason(reason, peerName);
      this.endLine.dataset.code = snapshot.callEndReason ? `${snapshot.callEndReason.code}/${snapshot.callEndReason.subCode}` : "";
      clearInterval(this.statsTimer);
      fill(this.controls, h("button", {type: "button", id: "close-call", onclick: () => this.close()}, "Close"));
      this.remoteVideo.srcObject = null;
      this.localVideo.srcObject = null;
      this.app.agent.forget(call);
      return;
    }
    this.#controls(snapshot);
  }

  #controls(snapshot) {
    const call = this.call;
    const capabilities = snapshot?.capabilities || {};
    const connected = ["Connected", "LocalHold", "RemoteHold"].includes(snapshot?.state);
    const teams = this.app.session.isTeams;
    const button = (id, label, onclick, {disabled = false, reason = "", pressed = null, kind = "secondary"} = {}) => {
      const reasonId = reason ? `${id}-reason` : null;
      return h("span", {class: "control"},
        h("button", {type: "button", id, class: kind, onclick, disabled: disabled || !!reason, "aria-pressed": pressed === null ? null : String(pressed),
          "aria-describedby": reasonId}, label),
        reason ? h("span", {class: "reason", id: reasonId}, reason) : null);
    };
    const addReason = capabilityReason("addTeamsUser", capabilities.addTeamsUser) || capabilityReason("addCommunicationUser", capabilities.addCommunicationUser);
    const items = [
      button("mute", call.isMuted ? "Unmute" : "Mute", () => this.#do(() => call.mute(!call.isMuted)), {pressed: call.isMuted, disabled: !snapshot}),
      button("camera", call.cameraOn ? "Camera off" : "Camera on", () => this.#do(() => call.setCamera(!call.cameraOn)), {pressed: !call.cameraOn, disabled: !call.media}),
      button("hold", snapshot?.state === "LocalHold" ? "Resume" : "Hold", () => this.#do(() => (snapshot.state === "LocalHold" ? call.resume() : call.hold())),
        {disabled: !connected}),
      button("add-participant", "Add someone", () => this.#add(), {disabled: !connected, reason: connected ? addReason : ""}),
    ];
    if (teams) {
      const recording = !!snapshot?.isRecordingActive;
      const transcribing = !!snapshot?.isTranscriptionActive;
      items.push(
        button("record", recording ? "Stop recording" : "Record", () => this.#do(() => call.setRecording(!recording)), {pressed: recording, disabled: !connected}),
        button("transcribe", transcribing ? "Stop transcription" : "Transcribe", () => this.#do(() => call.setTranscription(!transcribing)),
          {pressed: transcribing, disabled: !connected}),
      );
    } else {
      items.push(button("record", "Record", () => {}, {reason: connected ? sentence({code: "OnlyTeamsUsersManageRecording"}) : ""}));
    }
    items.push(this.#deviceMenu());
    items.push(button("hang-up", "Hang up", () => this.#do(() => call.hangUp()), {kind: "danger"}));
    fill(this.controls, items);
  }

  async #add() {
    const person = await new PeoplePicker(this.app, {title: "Add someone to the call", action: "Add", forCall: true}).pick();
    if (person) await this.#do(() => this.call.addParticipant(person.rawId));
  }

  #deviceMenu() {
    const select = (kind, label, id) => {
      const el = h("select", {id, "aria-label": label});
      navigator.mediaDevices.enumerateDevices().then((devices) => {
        const options = devices.filter((d) => d.kind === kind).map((d, i) => new Option(d.label || `${label} ${i + 1}`, d.deviceId));
        el.replaceChildren(...options);
        const current = kind === "audioinput" ? this.call?.media?.audio : this.call?.media?.video;
        const deviceId = current?.getSettings?.().deviceId;
        if (deviceId) el.value = deviceId;
      });
      el.addEventListener("change", () => this.#do(() => {
        mediaSettings[kind === "audioinput" ? "audioInput" : "videoInput"] = el.value;
        return this.call.switchDevice(kind === "audioinput" ? "audio" : "video", el.value);
      }));
      return el;
    };
    return h("span", {class: "devices"}, select("audioinput", "Microphone", "microphone-select"), select("videoinput", "Camera", "camera-select"));
  }

  async #stats() {
    const stats = await this.call?.stats().catch(() => null);
    if (!stats) return;
    this.stats.dataset.audioBytes = String(stats.audioBytes);
    this.stats.dataset.videoBytes = String(stats.videoBytes);
    this.stats.dataset.route = stats.route || "";
    this.stats.textContent = `Received ${kb(stats.audioBytes)} of audio and ${kb(stats.videoBytes)} of video` + (stats.route ? ` · ${stats.route === "relay" ? "through the relay" : "direct"}` : "");
  }

  close() {
    clearInterval(this.statsTimer);
    this.element.hidden = true;
    delete document.getElementById("main").dataset.call;
    this.call = null;
  }
}

function kb(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${Math.round(bytes / 1024)} KB`;
}

/** The ringing notice: accept with or without video, or decline. */
export class IncomingCallDialog {
  constructor(app) {
    this.app = app;
    this.element = h("div", {class: "incoming", id: "incoming-call", role: "alertdialog", "aria-labelledby": "incoming-title", hidden: true});
    document.getElementById("main").append(this.element);
    this.info = null;
  }

  show(info) {
    this.info = info;
    const name = info.callerInfo?.displayName || "Someone";
    const error = h("p", {class: "form-error", role: "alert"});
    const act = (fn) => async () => {
      try { await fn(); } catch (e) { error.textContent = sentence(e, name); }
    };
    fill(this.element,
      h("h2", {id: "incoming-title"}, `${name} is calling`),
      info.transferredBy ? h("p", {}, "Transferred to you.") : null,
      h("div", {class: "incoming-actions"},
        h("button", {type: "button", id: "accept-video", onclick: act(() => this.app.agent.accept(info.id, {video: true}))}, "Accept with video"),
        h("button", {type: "button", id: "accept-audio", class: "secondary", onclick: act(() => this.app.agent.accept(info.id, {video: false}))}, "Accept audio only"),
        h("button", {type: "button", id: "decline", class: "danger", onclick: act(() => this.app.agent.reject(info.id))}, "Decline")),
      error);
    this.element.hidden = false;
    this.element.querySelector("#accept-video").focus();
    announce(`${name} is calling`);
  }

  ended(data) {
    if (!this.info || data.id !== this.info.id) return;
    this.element.hidden = true;
    if (!data.accepted && !data.declined && data.callEndReason) {
      this.app.chat.alert(`Missed call from ${this.info.callerInfo?.displayName || "someone"}. ${endReason(data.callEndReason)}`);
    }
    this.info = null;
  }
}
