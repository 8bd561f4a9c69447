// Errors, refusals and call endings, in words. Codes are those of docs/errors.md and
// docs/realtime.md; `who` is the display name of the person concerned, when known.

const INTEROP = {
  AcsUsersNotEnabled: (who) => `${who}'s organization does not allow chats and calls with people outside it right now.`,
  AcsResourceNotAllowed: (who) => `${who}'s organization does not allow chats and calls from this app.`,
  AcsResourceBlocked: (who) => `${who}'s organization has blocked this app.`,
  AcsFederationAccessDisabled: (who) => `${who} is not allowed to chat or call with people outside their organization.`,
  TeamsChatNotAvailable: (who) => `${who} does not use Teams for chat and calls.`,
  TeamsUserNotTeamsOnly: (who) => `${who} cannot receive calls from this app: they are not set up for Teams-only calling.`,
  EnterpriseVoiceNotEnabled: (who) => `${who} cannot receive calls: their organization has not turned on calling for them.`,
};

const RULES = {
  OrgUserCannotAddAppUser: () => "Teams users cannot start chats with, or add, people outside their organization who use this app.",
  AppUserCannotSendFiles: () => "You can't send images or files into a chat with people on Teams. Links are fine.",
  InteropCallNotOneToOne: () => "Calls with people on Teams are one-to-one: call one person at a time.",
  OrgUserCannotCallAppUser: () => "Teams users cannot call people who use this app: they call you.",
  InteropCallEscalationNotAllowed: () => "A call with someone on Teams cannot become a group call.",
  OrgUserCannotTransferToAppUser: () => "Teams users cannot transfer calls to people who use this app.",
  ThreadTooLarge: () => "Typing and read notices only work in chats of up to 20 people.",
  OnlyTeamsUsersManageRecording: () => "Only people on Teams can start or stop recording and transcription.",
};

const GENERAL = {
  NetworkError: "Parley could not be reached. Check your connection; messages will be sent when it is back.",
  InvalidAccessToken: "Your sign-in has expired. Sign in again.",
  InvalidAuthenticationToken: "Your sign-in has expired. Sign in again.",
  NoVisitorSession: "Your visit has ended. Join again.",
  Forbidden: "You are not allowed to do that here.",
  NotFound: "That chat or message no longer exists.",
  MessageTooLarge: "That message is too long.",
  TooManyRequests: "Too many requests right now. Wait a moment and try again.",
  InsufficientScope: "Your access does not allow that.",
  ParticipantNotFound: "There is no one to call at that address.",
  CallAgentNotRegistered: "Calling is not ready yet. Wait a moment and try again.",
  AlreadyInCall: "You are already in this call.",
  WebAppNotEnabled: "Visitors cannot join here: the web app is turned off for this service.",
  OrganizationNotFound: "No organization here uses that email domain.",
  WebAppNotRegistered: "Your organization has not set up this web app yet. Ask your administrator.",
  PayloadTooLarge: "That image is too large (the limit is about 700 KB).",
};

/** A refusal or failure as a sentence for `who` (the person it is about). */
export function sentence(error, who = "This person") {
  const code = error && (error.code || error.error);
  if (INTEROP[code]) return INTEROP[code](who);
  if (RULES[code]) return RULES[code]();
  if (GENERAL[code]) return GENERAL[code];
  if (error && error.status === 0) return GENERAL.NetworkError;
  if (error && error.message && !/^HTTP \d+$/.test(error.message)) return error.message;
  return "Something went wrong. Try again.";
}

/** Why a call ended, in words (`reason` is {code, subCode}). */
export function endReason(reason, who = "The other person") {
  if (!reason) return "The call ended.";
  const {code, subCode} = reason;
  const key = `${code}/${subCode}`;
  const interop = Object.entries({
    47001: "AcsUsersNotEnabled", 47002: "AcsResourceNotAllowed", 47003: "AcsResourceBlocked",
    47004: "AcsFederationAccessDisabled", 47005: "TeamsChatNotAvailable", 47006: "TeamsUserNotTeamsOnly",
    41056: "EnterpriseVoiceNotEnabled",
  }).find(([sub]) => Number(sub) === subCode);
  if (interop) return "The call could not be made. " + INTEROP[interop[1]](who);
  switch (key) {
    case "0/0": return "The call ended: someone hung up.";
    case "487/0": return "The caller hung up before the call was answered.";
    case "603/0": return `${who} declined the call.`;
    case "0/4097": return "The call was ended for everyone.";
    case "0/4521": return `${who} lost their connection and did not come back.`;
    case "0/5300": return "You were removed from the call.";
    case "0/7000": return "The call ended because the service restarted.";
    case "0/7015": return "The call was transferred.";
    case "410/3101": return "You lost your connection and the call ended.";
    case "487/10003": return "The call was answered on another device.";
    case "487/10004": return "No one answered.";
    case "487/10024": return "The call was declined on another device.";
    default:
      if (code === 403 && subCode >= 47100 && subCode < 47200) {
        const rule = {47101: "InteropCallNotOneToOne", 47102: "OrgUserCannotCallAppUser", 47103: "InteropCallEscalationNotAllowed"}[subCode];
        if (rule) return "The call could not be made. " + RULES[rule]();
      }
      return `The call ended (${code}/${subCode}).`;
  }
}

/** Call states in words. */
export function callState(state) {
  return {
    Connecting: "Connecting…", Ringing: "Ringing…", Connected: "Connected", LocalHold: "On hold",
    RemoteHold: "Put on hold by the other person", Disconnecting: "Ending…", Disconnected: "Call ended",
    EarlyMedia: "Connecting…", InLobby: "Waiting in the lobby", Hold: "On hold", Idle: "Waiting", None: "",
  }[state] || state;
}

/** The reason a capability is absent, in words (from a call snapshot's `capabilities`). */
export function capabilityReason(name, capability) {
  if (!capability || capability.isPresent) return "";
  if (capability.reason === "FeatureNotSupported") {
    return name.startsWith("add") ? RULES.InteropCallEscalationNotAllowed() : "Not available in this call.";
  }
  if (name === "manageRecording" || name === "manageTranscription") return RULES.OnlyTeamsUsersManageRecording();
  return "Not available in this call.";
}
