// Ask the server every few seconds whether the upload has been read; reload when it has.
(function () {
  var el = document.getElementById("batch-state");
  if (!el || el.getAttribute("data-done") === "yes") { return; }
  var url = el.getAttribute("data-poll");
  function ask() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url, true);
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      var done = false;
      try { done = xhr.status === 200 && JSON.parse(xhr.responseText).done; } catch (e) {}
      if (done) { window.location.reload(); } else { setTimeout(ask, 2000); }
    };
    xhr.send();
  }
  setTimeout(ask, 1000);
})();
