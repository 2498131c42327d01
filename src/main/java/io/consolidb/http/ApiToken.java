package io.consolidb.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The bearer-token guard every route group shares. Writes need {@code Authorization: Bearer
 * <http.apiToken>} ({@link #ApiToken(String)}); the {@code /admin} routes and the slow-query report
 * need {@code Bearer <http.adminToken>} ({@link #admin(String)}), with a realm of their own. 403
 * when this node has no such token (those routes are then off), 401 when the header is missing or
 * the token wrong. Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}, in
 * time independent of where they differ and of their length.
 */
final class ApiToken {

  private static final String BEARER = "Bearer ";

  /** SHA-256 of the token, or null when none is configured. */
  private final byte[] digest;
  private final String challenge;
  /** The 403 detail when no token is configured. */
  private final String disabled;
  /** What the 401 detail calls the token. */
  private final String name;

  /** The API token that guards writes. */
  ApiToken(String token) {
    this(token, "consolidb", "writes are disabled: no API token is configured on this node", "token");
  }

  private ApiToken(String token, String realm, String disabled, String name) {
    this.digest = token == null || token.isEmpty() ? null : sha256(token);
    this.challenge = "Bearer realm=\"" + realm + "\"";
    this.disabled = disabled;
    this.name = name;
  }

  /** The admin token that guards the {@code /admin} routes. */
  static ApiToken admin(String token) {
    return new ApiToken(token, "consolidb-admin",
        "admin endpoints are disabled: no admin token is configured on this node", "admin token");
  }

  boolean configured() {
    return digest != null;
  }

  /** A route handler: passes on to the next handler only with the right token. */
  void require(RoutingContext ctx) {
    if (digest == null) {
      Problems.send(ctx, 403, disabled);
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      ctx.response().putHeader("WWW-Authenticate", challenge);
      Problems.send(ctx, 401, "an Authorization: Bearer <" + name + "> header is required");
      return;
    }
    String token = header.substring(BEARER.length()).strip();
    if (!MessageDigest.isEqual(sha256(token), digest)) {
      ctx.response().putHeader("WWW-Authenticate", challenge + ", error=\"invalid_token\"");
      Problems.send(ctx, 401, "the bearer token is not valid");
      return;
    }
    ctx.next();
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
