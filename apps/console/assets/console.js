// The console's own script (served from /console/static/, allowed by the self-only CSP):
// a click on a column header of a `table.sortable` sorts the rows shown by that column,
// numbers (¥ amounts included) by value and text in Chinese order; a second click reverses.
document.addEventListener("click", function (event) {
  var header = event.target.closest("table.sortable th");
  if (!header) return;
  var table = header.closest("table");
  var body = table.tBodies[0];
  var column = Array.prototype.indexOf.call(header.parentNode.children, header);
  var ascending = header.getAttribute("aria-sort") !== "ascending";
  Array.prototype.forEach.call(header.parentNode.children, function (th) { th.removeAttribute("aria-sort"); });
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  var value = function (row) {
    var cell = row.children[column];
    return cell ? cell.textContent.trim() : "";
  };
  var number = function (text) {
    var cleaned = text.replace(/[¥,+\s]/g, "");
    return cleaned !== "" && !isNaN(cleaned) ? parseFloat(cleaned) : null;
  };
  var rows = Array.prototype.filter.call(body.rows, function (row) { return row.children.length > 1; });
  rows.sort(function (a, b) {
    var x = value(a), y = value(b), nx = number(x), ny = number(y);
    var order = nx !== null && ny !== null ? nx - ny : x.localeCompare(y, "zh-CN");
    return ascending ? order : -order;
  });
  rows.forEach(function (row) { body.appendChild(row); });
});

// Above every `table.sortable`, a box that keeps only the shown rows containing its text
// (the server's filters and pages still decide which rows are shown).
function addRowFilters(root) {
  Array.prototype.forEach.call(root.querySelectorAll("table.sortable"), function (table) {
    if (table.dataset.filtered) return;
    table.dataset.filtered = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "row-filter";
    box.placeholder = "在本页筛选";
    box.setAttribute("aria-label", "在本页筛选");
    box.addEventListener("input", function () {
      var text = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = text !== "" && row.textContent.toLowerCase().indexOf(text) < 0;
      });
    });
    var holder = table.parentNode.classList.contains("scroll") ? table.parentNode : table;
    holder.parentNode.insertBefore(box, holder);
  });
}
document.addEventListener("DOMContentLoaded", function () { addRowFilters(document); });
document.addEventListener("htmx:afterSettle", function (event) { addRowFilters(event.target); });
