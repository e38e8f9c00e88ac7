// The home page's scanner: the camera (getUserMedia) and the browser's BarcodeDetector, or the
// vendored jsQR decoder (static/vendor/jsqr) where the browser has none; a QR code holding an
// http(s) address opens /verify?url=<address>. Texts come from data attributes (no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var start = document.getElementById("scan-start");
  var stop = document.getElementById("scan-stop");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var unavailable = document.getElementById("scan-unavailable");
  if (!start || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  start.hidden = false;
  unavailable.hidden = true;
  var stream = null;
  var canvas = document.createElement("canvas");
  var detector = null;

  function say(text) { status.textContent = text || ""; }

  function close() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  function loadDecoder() {
    // jsQR (~250 kB) is fetched only by browsers without a BarcodeDetector that reads QR codes.
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") >= 0) {
          detector = new window.BarcodeDetector({ formats: ["qr_code"] });
          return;
        }
        return loadScript();
      }, loadScript);
    }
    return loadScript();
  }

  function loadScript() {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = start.dataset.decoder;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function found(text) {
    var address;
    try { address = new URL(text); } catch (error) { address = null; }
    if (!address || (address.protocol !== "https:" && address.protocol !== "http:")) {
      say(start.dataset.notALink);
      return false;
    }
    close();
    window.location.assign(start.dataset.verifyUrl + "?url=" + encodeURIComponent(address.href));
    return true;
  }

  function decodeFrame() {
    if (detector) {
      return detector.detect(video).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      });
    }
    var width = video.videoWidth;
    var height = video.videoHeight;
    if (!width || !height) { return Promise.resolve(null); }
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    var pixels = context.getImageData(0, 0, width, height);
    var code = window.jsQR(pixels.data, width, height, { inversionAttempts: "attemptBoth" });
    return Promise.resolve(code ? code.data : null);
  }

  function scan() {
    if (!stream) { return; }
    decodeFrame().then(function (text) {
      if (text && found(text)) { return; }
      window.requestAnimationFrame(scan);
    }, function () { window.requestAnimationFrame(scan); });
  }

  start.addEventListener("click", function () {
    say(start.dataset.looking);
    Promise.all([
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }),
      loadDecoder(),
    ]).then(function (results) {
      stream = results[0];
      video.srcObject = stream;
      video.hidden = false;
      start.hidden = true;
      stop.hidden = false;
      return video.play();
    }).then(scan, function () {
      close();
      say(start.dataset.noCamera);
    });
  });
  stop.addEventListener("click", function () { close(); say(""); });
});
