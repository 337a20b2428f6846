// The theme switch of the settings page: light, dark or the device's (prefers-color-scheme).
// A choice applies at once, is sent to the account (POST /settings/theme/, so every browser
// the user signs in on renders <html data-theme=…> with it), and is kept in this browser's
// parley_theme cookie too, so the pages before sign-in show it as well.

const COOKIE = "parley_theme";
const form = document.getElementById("theme-form");

function apply(theme) {
  if (theme === "system") {
    delete document.documentElement.dataset.theme;
    document.cookie = `${COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`;
  } else {
    document.documentElement.dataset.theme = theme;
    document.cookie = `${COOKIE}=${theme}; Path=/; Max-Age=31536000; SameSite=Lax`;
  }
}

async function save() {
  const response = await fetch(form.action, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json" },
    body: new FormData(form), // the checked theme and the CSRF token
  }).catch(() => null);
  form.querySelector(".help").textContent = response?.ok
    ? "Saved with your account: every browser you sign in on shows it."
    : "Applied here, but not saved with your account (offline?); choose again to retry.";
}

if (form) {
  document.getElementById("theme-save").hidden = true;
  for (const radio of form.querySelectorAll('input[name="theme"]')) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      apply(radio.value);
      save();
    });
  }
}
