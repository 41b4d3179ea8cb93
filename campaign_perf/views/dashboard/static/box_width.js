// The width of the dashboard in the page (see figure.BoxWidth): measured, then followed
// as the dashboard is resized, so that the plotly figure can be drawn at that width.
function render({ model, el }) {
  const measure = (box) => {
    const width = Math.floor(box.clientWidth);
    if (width > 0 && width !== model.get("width")) {
      model.set("width", width);
      model.save_changes();
    }
  };
  let observer = null;
  const attach = () => {
    const box = el.closest(".cp-dashboard");
    if (!box) { requestAnimationFrame(attach); return; }
    observer = new ResizeObserver(() => measure(box));
    observer.observe(box);
    measure(box);
  };
  attach();
  return () => observer && observer.disconnect();
}
export default { render };
