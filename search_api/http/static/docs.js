// Starts Swagger UI (served from this server by the swagger-ui-bundle package) on our schema.
// No inline script, so the page's CSP can allow this origin's scripts only.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The default sends the schema to validator.swagger.io; a locked-down server has no internet.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
