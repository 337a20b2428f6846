// The theme switch of the settings page: light, dark or the system's (prefers-color-scheme).
// The choice is kept in the parley_theme cookie, a year, so that the server renders
// <html data-theme=…> with it and no page flashes the other theme first.

const COOKIE = "parley_theme";

function current() {
  const found = document.cookie.split("; ").find((c) => c.startsWith(`${COOKIE}=`));
  const value = found ? found.slice(COOKIE.length + 1) : "";
  return value === "light" || value === "dark" ? value : "system";
}

function apply(theme) {
  if (theme === "system") {
    delete document.documentElement.dataset.theme;
    document.cookie = `${COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`;
  } else {
    document.documentElement.dataset.theme = theme;
    document.cookie = `${COOKIE}=${theme}; Path=/; Max-Age=31536000; SameSite=Lax`;
  }
}

for (const radio of document.querySelectorAll('input[name="theme"]')) {
  radio.checked = radio.value === current();
  radio.addEventListener("change", () => {
    if (radio.checked) apply(radio.value);
  });
}
