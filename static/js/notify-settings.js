// Settings → Notifications: this device's switches and Web Push (notify.js).
import { setUpSettings } from "./notify.js";

setUpSettings(document.getElementById("device-notifications"));
