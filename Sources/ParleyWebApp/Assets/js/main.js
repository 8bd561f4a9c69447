// Start-up: finish an organization sign-in coming back from the sign-in page, or resume the
// session of this browser, or wire up the two doors of the landing page.

import {OrgSession, VisitorSession} from "./session.js";
import {request} from "./http.js";
import {sentence} from "./sentences.js";
import {$} from "./dom.js";

let config = null;

async function loadConfig() {
  config ??= await request("/webapp/v1/config");
  return config;
}

function showError(id, error) {
  const el = document.getElementById(id);
  el.textContent = typeof error === "string" ? error : sentence(error);
}

async function enter(session) {
  const [{App}, cfg] = await Promise.all([import("./app.js"), loadConfig()]);
  new App(session, cfg).start();
}

function busy(button, on) {
  button.disabled = on;
  button.setAttribute("aria-busy", on ? "true" : "false");
}

async function wireLanding() {
  const join = $("#join-form");
  const signin = $("#signin-form");
  join.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("#join-name").value.trim();
    if (!name) return showError("join-error", "Type the name others will see.");
    const resource = $("#join-resource").value;
    if (!resource) return showError("join-error", "Visitors cannot join here: the web app is turned off for this service.");
    busy($("#join-button"), true);
    try {
      await enter(await VisitorSession.join(resource, name));
    } catch (error) {
      showError("join-error", error);
      busy($("#join-button"), false);
    }
  });
  signin.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = $("#signin-email").value.trim();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return showError("signin-error", "Type your work email, like adele@contoso.com.");
    busy($("#signin-button"), true);
    try {
      await OrgSession.start(email);
    } catch (error) {
      showError("signin-error", error);
      busy($("#signin-button"), false);
    }
  });
  try {
    const cfg = await loadConfig();
    const select = $("#join-resource");
    select.replaceChildren(...cfg.resources.map((r) => new Option(r.name, r.name)));
    for (const el of document.querySelectorAll(".resource-choice")) el.hidden = cfg.resources.length < 2;
    if (!cfg.resources.length) {
      $("#join-name").disabled = true;
      $("#join-button").disabled = true;
      showError("join-error", "Visitors cannot join here: the web app is turned off for this service.");
    }
  } catch (error) {
    showError("join-error", error);
  }
}

async function boot() {
  try {
    const session = (await OrgSession.complete()) || (await OrgSession.resume()) || (await VisitorSession.resume());
    if (session) return await enter(session);
  } catch (error) {
    // A sign-in that came back refused, or a session that could not be resumed: say why.
    await wireLanding();
    showError("signin-error", error);
    return;
  }
  await wireLanding();
}

boot();
