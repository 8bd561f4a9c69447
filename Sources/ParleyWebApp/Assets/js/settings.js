// Media settings: microphone, camera, and whether calls may only go through the TURN relay.

import {h} from "./dom.js";
import {mediaSettings, saveMediaSettings} from "./calling.js";

export class SettingsDialog {
  constructor(app) {
    this.app = app;
  }

  async open() {
    const devices = await navigator.mediaDevices?.enumerateDevices?.().catch(() => []) || [];
    const choices = (kind, label) => [new Option(`Default ${label.toLowerCase()}`, ""),
      ...devices.filter((d) => d.kind === kind).map((d, i) => new Option(d.label || `${label} ${i + 1}`, d.deviceId))];
    const mic = h("select", {id: "settings-microphone"}, choices("audioinput", "Microphone"));
    const cam = h("select", {id: "settings-camera"}, choices("videoinput", "Camera"));
    mic.value = mediaSettings.audioInput;
    cam.value = mediaSettings.videoInput;
    const relay = h("input", {type: "checkbox", id: "settings-relay", checked: mediaSettings.relayOnly});
    const dialog = h("dialog", {class: "settings", "aria-labelledby": "settings-title"},
      h("form", {method: "dialog"},
        h("h2", {id: "settings-title"}, "Settings"),
        h("label", {for: "settings-microphone"}, "Microphone"), mic,
        h("label", {for: "settings-camera"}, "Camera"), cam,
        h("p", {class: "check"}, relay, h("label", {for: "settings-relay"}, "Send call media only through the relay (TURN)")),
        h("p", {class: "hint"}, "Applies to the next call. The relay hides your network address from the other person."),
        h("div", {class: "dialog-actions"},
          h("button", {type: "submit", value: "cancel", class: "secondary"}, "Cancel"),
          h("button", {type: "submit", value: "save", id: "settings-save"}, "Save"))));
    dialog.addEventListener("close", () => {
      if (dialog.returnValue === "save") {
        Object.assign(mediaSettings, {audioInput: mic.value, videoInput: cam.value, relayOnly: relay.checked});
        saveMediaSettings();
      }
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  }
}
