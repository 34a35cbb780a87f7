// The series viewer: one image at a time, by slider, buttons, arrow keys or mouse wheel.
// Images are PNGs drawn by the server; the neighbours are fetched ahead so scrolling is smooth.
// They are health data, sent with Cache-Control: no-store, so the browser keeps none: the
// images fetched are kept here instead (while the page is open) and swapped in when shown.
(function () {
  const viewer = document.querySelector("[data-viewer]");
  if (!viewer) return;
  const count = Number(viewer.dataset.count);
  const urlFor = (i) => viewer.dataset.url.replace(/\/0\.png$/, "/" + i + ".png");
  let image = document.getElementById("viewer-image");
  const pictures = new Map([[0, image]]);
  const KEEP = 20; // images either side of the one shown that stay loaded
  const slider = document.getElementById("viewer-position");
  const label = document.getElementById("viewer-count");
  let current = 0;

  function picture(index) {
    if (!pictures.has(index)) {
      const fetched = new Image();
      fetched.src = urlFor(index);
      pictures.set(index, fetched);
    }
    return pictures.get(index);
  }

  function show(index) {
    current = Math.max(0, Math.min(count - 1, index));
    const shown = picture(current);
    if (shown !== image) {
      image.removeAttribute("id");
      shown.id = "viewer-image";
      image.replaceWith(shown);
      image = shown;
    }
    image.alt = "Image " + (current + 1) + " of " + count + " of this series";
    slider.value = current + 1;
    label.textContent = current + 1 + " / " + count;
    [1, 2, -1].forEach((d) => {
      const next = current + d;
      if (next >= 0 && next < count) picture(next);
    });
    pictures.forEach((_, kept) => { if (Math.abs(kept - current) > KEEP) pictures.delete(kept); });
  }
  slider.addEventListener("input", () => show(Number(slider.value) - 1));
  viewer.querySelectorAll("[data-step]").forEach((button) =>
    button.addEventListener("click", () => show(current + Number(button.dataset.step))));
  viewer.addEventListener("wheel", (event) => {
    if (event.target !== image) return;
    event.preventDefault();
    show(current + (event.deltaY > 0 ? 1 : -1));
  }, { passive: false });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") && event.target !== slider) return;
    if (event.key === "ArrowRight" || event.key === "ArrowDown") { show(current + 1); event.preventDefault(); }
    if (event.key === "ArrowLeft" || event.key === "ArrowUp") { show(current - 1); event.preventDefault(); }
  });
})();
