// Swagger UI over the contract this mock serves, pre-authorized with the demo key.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("docs-config").textContent);
  document.getElementById("demo-key").textContent = config.demoKey || "(none)";
  window.ui = SwaggerUIBundle({
    url: config.url,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    displayRequestDuration: true,
    onComplete: function () {
      if (config.demoKey) {
        window.ui.preauthorizeApiKey(config.scheme, config.demoKey);
      }
    },
  });
})();
