// My camera and microphone: asked for only when I join (getUserMedia), with what to do when the browser
// refuses one or both or finds none (join with what works, else to listen and watch), and the devices to pick.

const VIDEO = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } };

/**
 * My media for the call: {stream, notice}. Asks for the camera and microphone, then (refused or missing)
 * the microphone alone, then the camera alone; with neither, an empty stream (I listen and watch).
 * `notice` says in words what happened when it was not both (null when it was). `devices`: chosen device ids.
 * @param {{audio?: string, video?: string}} [devices]
 */
export async function openLocalMedia(devices = {}) {
  const audio = devices.audio ? { deviceId: { exact: devices.audio } } : true;
  const video = devices.video ? { ...VIDEO, deviceId: { exact: devices.video } } : VIDEO;
  const failures = [];
  /** @type {[MediaStreamConstraints, string | null][]} */
  const attempts = [[{ audio, video }, null], [{ audio }, "camera"], [{ video }, "microphone"]];
  for (const [constraints, without] of attempts) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(constraints);
      return { stream, notice: failures.length ? partialNotice(without, failures[0]) : null };
    } catch (error) {
      failures.push(error);
      if (!["NotAllowedError", "NotFoundError", "OverconstrainedError", "NotReadableError", "AbortError"]
        .includes(error?.name)) break; // not a refusal or a missing device: asking again would not help
    }
  }
  return { stream: new MediaStream(), notice: noMediaNotice(failures[0]) };
}

/** A new track of `kind` ("audio", "video") from the device `deviceId`. */
export async function openDevice(kind, deviceId) {
  const constraints = kind === "audio"
    ? { audio: { deviceId: { exact: deviceId } } }
    : { video: { ...VIDEO, deviceId: { exact: deviceId } } };
  const stream = await navigator.mediaDevices.getUserMedia(constraints);
  return kind === "audio" ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
}

/** The microphones and cameras ({audio: [{id, label}], video: [...]}); their names show once permission is given. */
export async function listDevices() {
  const found = { audio: [], video: [] };
  try {
    for (const device of await navigator.mediaDevices.enumerateDevices()) {
      const kind = device.kind === "audioinput" ? "audio" : device.kind === "videoinput" ? "video" : null;
      if (kind && device.deviceId) {
        const list = found[kind];
        list.push({ id: device.deviceId, label: device.label || `${kind === "audio" ? "Microphone" : "Camera"} ${list.length + 1}` });
      }
    }
  } catch {
    // no device list (an old browser, a policy): the pickers stay empty
  }
  return found;
}

function refused(error) {
  return error?.name === "NotAllowedError" || error?.name === "SecurityError";
}

function partialNotice(without, error) {
  return refused(error)
    ? `The browser did not allow the ${without}, so you joined without it. To use it, allow it in the site settings (the icon beside the address), then Leave and Join again.`
    : `No ${without} was found (or it is in use by another program), so you joined without it.`;
}

function noMediaNotice(error) {
  if (refused(error)) {
    return "The browser did not allow the camera or the microphone, so you joined to listen and watch only. To talk, allow them in the site settings (the icon beside the address), then Leave and Join again.";
  }
  if (!navigator.mediaDevices) return "This page cannot use a camera or microphone here (it needs https), so you joined to listen and watch only.";
  return `No camera or microphone could be used (${error?.name ?? "unknown error"}), so you joined to listen and watch only.`;
}
