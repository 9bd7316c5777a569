// Warn before sending a file the server would refuse for its size (the server checks anyway).
(function () {
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  form.onsubmit = function () {
    var input = document.getElementById("tep"), warn = document.getElementById("upload-warning");
    var maxFile = +form.getAttribute("data-max-file"), maxTotal = +form.getAttribute("data-max-total");
    var maxFiles = +form.getAttribute("data-max-files"), total = 0, i, f, msg = "";
    if (!input.files) { return true; }
    if (input.files.length === 0) { msg = "Chưa chọn tệp nào."; }
    if (input.files.length > maxFiles) { msg = "Mỗi lần gửi tối đa " + maxFiles + " tệp."; }
    for (i = 0; i < input.files.length; i++) {
      f = input.files[i]; total += f.size;
      if (f.size > maxFile) { msg = "Tệp " + f.name + " lớn hơn " + Math.round(maxFile / 1048576) + " MB nên không gửi được."; }
    }
    if (!msg && total > maxTotal) { msg = "Tổng dung lượng quá " + Math.round(maxTotal / 1048576) + " MB; hãy gửi làm nhiều lần."; }
    if (msg) { warn.textContent = msg; warn.className = "message error"; return false; }
    return true;
  };
})();
