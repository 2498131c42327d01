package io.consolidb.http;

import io.consolidb.config.CorsSettings;
import io.consolidb.query.Lsn;
import io.consolidb.tracing.RequestId;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Cross-origin calls (CORS) as the settings allow them, with vertx-web's handler: a preflight is
 * answered 204 before any route or service is reached; a request from an origin not allowed gets
 * a 403 problem; the headers a browser application reads (Age, ETag, Location, Retry-After, X-Cache,
 * Idempotency-Replayed, X-Request-Id, and X-Consolidb-LSN for read-your-writes) are exposed.
 */
final class CorsPolicy {

  /** vertx-web's failure message for an origin it refuses (mapped to our 403 problem). */
  static final String REJECTED = "CORS Rejected - Invalid origin";

  private static final Set<String> EXPOSED = Set.of("Age", "ETag", "Location", "Retry-After", "X-Cache",
      Routes.IDEMPOTENCY_REPLAYED, RequestId.HEADER, Lsn.HEADER);

  private CorsPolicy() {
  }

  /** The handler, or null when no origin is allowed (no CORS headers at all). */
  static CorsHandler handler(CorsSettings settings) {
    if (!settings.enabled()) {
      return null;
    }
    CorsHandler cors = CorsHandler.create();
    List<String> origins = settings.allowedOrigins();
    if (!origins.contains("*")) {
      cors.addOrigins(origins);
    }
    Set<HttpMethod> methods = new LinkedHashSet<>();
    settings.allowedMethods().forEach(m -> methods.add(HttpMethod.valueOf(m)));
    return cors.allowedMethods(methods)
        .allowedHeaders(new LinkedHashSet<>(settings.allowedHeaders()))
        .exposedHeaders(EXPOSED)
        .allowCredentials(settings.allowCredentials())
        .maxAgeSeconds(settings.maxAgeSeconds());
  }
}
