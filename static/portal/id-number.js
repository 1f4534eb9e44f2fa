// Shows the birth date and sex that a resident ID number encodes (GB 11643), as the official
// types it. The server derives and checks them again; this only helps the eye.
(function () {
  "use strict";
  var weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var checks = "10X98765432";
  function normalise(text) {
    return text.replace(/[\uFF10-\uFF19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/[\uFF38\uFF58]/g, "X").replace(/\s+/g, "").toUpperCase();
  }
  function describe(value) {
    var n = normalise(value);
    if (n.length < 17) { return ""; }
    if (!/^\d{17}[\dX]?$/.test(n)) { return "身份证号只能是数字,末位可以是X"; }
    var y = n.substr(6, 4), m = n.substr(10, 2), d = n.substr(12, 2);
    var date = new Date(+y, +m - 1, +d);
    if (date.getFullYear() !== +y || date.getMonth() !== +m - 1 || date.getDate() !== +d) { return "出生日期无效"; }
    var text = "出生日期 " + y + "年" + (+m) + "月" + (+d) + "日 · " + (+n.charAt(16) % 2 ? "男" : "女");
    if (n.length === 18) {
      var sum = 0;
      for (var i = 0; i < 17; i++) { sum += +n.charAt(i) * weights[i]; }
      if (checks.charAt(sum % 11) !== n.charAt(17)) { text += " · 校验码不正确,请核对"; }
    } else {
      text += " · 还差最后一位(可能是X)";
    }
    return text;
  }
  document.querySelectorAll("input[data-id-number]").forEach(function (input) {
    var out = document.createElement("p");
    out.className = "hint";
    out.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", out);
    input.addEventListener("input", function () { out.textContent = describe(input.value); });
  });
}());
