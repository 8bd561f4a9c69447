// Finding someone to chat with or call. App users search the people their web app backend may
// show them (only organizations that admit this app: docs/webapp.md); Teams users search their
// colleagues in the Graph-shaped directory.

import {fill, h, initials} from "./dom.js";
import {request} from "./http.js";
import {sentence} from "./sentences.js";

export class PeoplePicker {
  constructor(app, {title, action, forCall = false}) {
    this.app = app;
    this.title = title;
    this.action = action;
    this.forCall = forCall;
  }

  /** Resolves with the chosen person ({rawId, id, displayName, isTeams}) or null. */
  pick() {
    return new Promise((resolve) => {
      const results = h("ul", {class: "people-results", id: "people-results", "aria-label": "People found"});
      const status = h("p", {class: "hint", id: "people-status", "aria-live": "polite"}, "Type at least two letters of a name or email.");
      // C1: under the faithful rules, people of an organization do not start chats with app users.
      const rule = this.app.session.isTeams && !this.app.extended
        ? h("p", {class: "hint", id: "people-rule"}, "Only colleagues of your organization are listed: people who use an app outside it start chats and calls with you.")
        : null;
      const input = h("input", {id: "people-search", type: "search", autocomplete: "off", "aria-describedby": "people-status", "aria-controls": "people-results"});
      const dialog = h("dialog", {class: "picker", "aria-labelledby": "picker-title"},
        h("form", {method: "dialog"},
          h("h2", {id: "picker-title"}, this.title),
          h("label", {for: "people-search"}, this.app.session.isTeams ? "Find a colleague" : "Find someone on Teams"),
          input, status, rule, results,
          h("div", {class: "dialog-actions"}, h("button", {type: "submit", class: "secondary", value: "cancel"}, "Cancel"))));
      let timer = null;
      let seq = 0;
      const done = (person) => { dialog.close(); dialog.remove(); resolve(person); };
      dialog.addEventListener("cancel", () => done(null));
      dialog.querySelector("form").addEventListener("submit", () => done(null));
      input.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(async () => {
          const text = input.value.trim();
          const mine = ++seq;
          if (text.length < 2) { fill(results); status.textContent = "Type at least two letters of a name or email."; return; }
          status.textContent = "Searching…";
          try {
            const people = await this.search(text);
            if (mine !== seq) return;
            status.textContent = people.length ? `${people.length} found` : "No one found. Only people you are allowed to reach are shown.";
            fill(results, people.map((p) => h("li", {},
              h("button", {type: "button", class: "person-choice", "data-raw-id": p.rawId, onclick: () => done(p)},
                h("span", {class: "avatar", "aria-hidden": "true"}, initials(p.displayName)),
                h("span", {}, h("strong", {}, p.displayName), h("span", {class: "sub"}, ` ${p.userPrincipalName || ""}${p.organization ? " · " + p.organization : ""}`)),
                h("span", {class: "visually-hidden"}, `: ${this.action}`)))));
          } catch (error) {
            if (mine === seq) status.textContent = sentence(error);
          }
        }, 200);
      });
      document.body.append(dialog);
      dialog.showModal();
      input.focus();
    });
  }

  async search(text) {
    const session = this.app.session;
    if (session.isTeams) {
      const quoted = text.replace(/'/g, "''");
      const filter = `startswith(displayName,'${quoted}') or startswith(userPrincipalName,'${quoted}')`;
      const page = await request(`/v1.0/users?$filter=${encodeURIComponent(filter)}&$top=10`, {token: await session.token()});
      return page.value.filter((u) => u.id !== session.me.id).map((u) => ({
        rawId: "8:orgid:" + u.id, id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName, isTeams: true,
      }));
    }
    const path = `/webapp/v1/resources/${encodeURIComponent(session.resource.name)}/people?search=${encodeURIComponent(text)}`;
    const page = await request(path, {token: await session.token()});
    return page.value.map((p) => ({...p, isTeams: true}));
  }
}
