// Reads {"secret", "headers", "body"} as JSON on stdin; exits 0 when the Standard Webhooks library
// accepts the delivery, 1 (with the reason on stderr) when it does not.
const { Webhook } = require("standardwebhooks");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { secret, headers, body } = JSON.parse(input);
  try {
    new Webhook(secret).verify(body, headers);
    console.log("verified");
  } catch (e) {
    console.error("rejected: " + e.message);
    process.exit(1);
  }
});
