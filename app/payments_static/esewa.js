// Sends the signed eSewa form on as soon as the page loads (a file, not inline script, so the
// page's Content-Security-Policy can forbid inline script). Without JavaScript the button
// below the form does the same.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("esewa-form");
  if (form) {
    form.submit();
  }
});
