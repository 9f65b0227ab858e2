// Keyboard navigation for the slide deck: the arrow keys, Page Up and
// Page Down and the space bar follow the page's prev and next links,
// Home and End jump to the first and last slide.
document.addEventListener("keydown", function (event) {
  if (event.altKey || event.ctrlKey || event.metaKey)
    return;
  var rel = null;
  if (event.key === "ArrowRight" || event.key === "PageDown" || event.key === " ")
    rel = "next";
  else if (event.key === "ArrowLeft" || event.key === "PageUp")
    rel = "prev";
  else if (event.key === "Home")
    rel = "first";
  else if (event.key === "End")
    rel = "last";
  if (rel === null)
    return;
  var link = document.querySelector('link[rel="' + rel + '"]');
  if (link) {
    event.preventDefault();
    window.location.href = link.getAttribute("href");
  }
});
