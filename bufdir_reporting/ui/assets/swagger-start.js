// Starts Swagger UI on this service's OpenAPI document (served by this service, no CDN). What is
// entered under Authorize lives as long as the page: kept in localStorage, the bearer token would
// outlive it for any script of this origin and whoever uses the machine next.
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
  persistAuthorization: false,
  // each tag's deprecated operations (the contracts' printed, doubled paths) after its canonical
  // ones, in the document's order otherwise: they were listed beside each route they double
  operationsSorter: (a, b) => Number(a.get("operation").get("deprecated") === true) - Number(b.get("operation").get("deprecated") === true),
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
