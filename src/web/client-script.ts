// The dashboard's one script, inlined in every page: it rewrites the UTC times
// in the viewer's own zone (named) and keeps countdowns current. Pages work
// without it: the times are then in UTC, the countdowns as of the page's
// rendering.
export const CLIENT_SCRIPT = `(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const format = new Intl.DateTimeFormat(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false,
  });
  for (const el of document.querySelectorAll('time[data-local]')) {
    const at = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(at.getTime())) continue;
    el.title = el.textContent;
    el.textContent = format.format(at) + ' ' + zone;
  }
  for (const el of document.querySelectorAll('[data-zone-name]')) el.textContent = zone;
  const loaded = Date.now();
  const tick = () => {
    for (const el of document.querySelectorAll('[data-countdown]')) {
      const now = Date.parse(el.getAttribute('data-now')) + (Date.now() - loaded);
      const ms = Date.parse(el.getAttribute('data-countdown')) - now;
      const minutes = Math.round(Math.abs(ms) / 60000);
      const d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
      const text = [d ? d + ' d' : '', h ? h + ' h' : '', m && !d ? m + ' min' : ''].filter(Boolean).join(' ');
      el.textContent = minutes === 0 ? 'now' : ms > 0 ? 'in ' + text : text + ' ago';
    }
  };
  tick();
  setInterval(tick, 30000);
})();`;
