// Starts Swagger UI on this service's OpenAPI document (served by this service, no CDN).
"use strict";
window.ui = SwaggerUIBundle({
  url: document.currentScript
    ? document.currentScript.dataset.openapi
    : document.querySelector("script[data-openapi]").dataset.openapi,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
