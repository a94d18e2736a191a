// Reading a plaque's QR code from the camera. Chrome on Android has its own BarcodeDetector; where there is
// none (Safari on iPhone, desktop browsers) jsQR reads the frames instead, loaded on first use (vendor/).

const JSQR = "/app/vendor/jsQR.min.js";
const LONGEST_SIDE = 800; // frames are scaled down to this before jsQR reads them: a phone decodes one fast

// A function reading the QR codes in the video's current frame: a list of their texts (empty when none).
export async function qrReader() {
  if ("BarcodeDetector" in window) {
    const formats = await BarcodeDetector.getSupportedFormats().catch(() => []);
    if (formats.includes("qr_code")) {
      const detector = new BarcodeDetector({ formats: ["qr_code"] });
      return async (video) => (await detector.detect(video).catch(() => [])).map((code) => code.rawValue);
    }
  }
  await loadScript(JSQR);
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (video) => {
    const { videoWidth: width, videoHeight: height } = video;
    if (!width || !height) return [];
    const scale = Math.min(1, LONGEST_SIDE / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    const code = window.jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "dontInvert" });
    return code ? [code.data] : [];
  };
}

function loadScript(src) {
  if (window.jsQR) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src, async: true });
    script.onload = () => resolve();
    script.onerror = () => { script.remove(); reject(new Error(`could not load ${src}`)); };
    document.head.append(script);
  });
}
