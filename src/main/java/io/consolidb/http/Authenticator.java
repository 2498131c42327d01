package io.consolidb.http;

import io.consolidb.config.AccessTokens;
import io.consolidb.config.Scope;
import io.netty.util.NetUtil;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The bearer-token guard of every route that needs a {@link Scope} (docs/SECURITY.md, "Tokens and
 * scopes"). In order: an address that failed too often gets 429 with {@code Retry-After} before
 * its token is looked at ({@link FailedAuthentications}); 403 when no token of this node holds the
 * scope (the routes are off); 401 without a bearer token, or with one that matches none (counted
 * against the address); 403 naming the missing scope when the token is valid but lacks it.
 * Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}, against every token
 * of the node without stopping at a match, so the time taken depends neither on where a guess
 * differs nor on which token it matched. Problem details name scopes, never tokens.
 */
final class Authenticator {

  /** Routing-context key of the name of the token a request authenticated with (for logs). */
  static final String PRINCIPAL = "consolidb.principal";
  /** Routing-context key of every scope the request's token holds (set once it passed a guard). */
  private static final String SCOPES = "consolidb.scopes";

  private static final String BEARER = "Bearer ";
  private static final String WWW_AUTHENTICATE = "WWW-Authenticate";
  private static final String CHALLENGE = "Bearer realm=\"consolidb\"";

  /** One token as the guard keeps it: its digest, never the token. */
  private record Holder(String name, byte[] digest, Set<Scope> scopes) {
  }

  private final List<Holder> holders;
  private final FailedAuthentications failures;

  Authenticator(AccessTokens tokens, FailedAuthentications failures) {
    this.holders = tokens.grants().stream()
        .map(g -> new Holder(g.name(), sha256(g.token()), g.scopes())).toList();
    this.failures = failures;
  }

  /** Whether any token of this node holds {@code scope}. */
  boolean grants(Scope scope) {
    return holders.stream().anyMatch(h -> h.scopes().contains(scope));
  }

  /** A route handler that passes on only a request whose token holds {@code scope}. */
  Handler<RoutingContext> require(Scope scope) {
    return ctx -> check(ctx, scope);
  }

  private void check(RoutingContext ctx, Scope scope) {
    String address = address(ctx);
    int retryAfter = failures.retryAfterSeconds(address);
    if (retryAfter > 0) {
      Problems.send(ctx, new Problem(429, "too many failed authentications from this address; retry after "
          + retryAfter + " s", null).retryAfter(retryAfter));
      return;
    }
    if (!grants(scope)) {
      Problems.send(ctx, 403, "no token of this node holds the scope " + scope.label() + ": these routes are off");
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      ctx.response().putHeader(WWW_AUTHENTICATE, CHALLENGE + ", scope=\"" + scope.label() + "\"");
      Problems.send(ctx, 401, "an Authorization: Bearer <token> header with the scope " + scope.label()
          + " is required");
      return;
    }
    byte[] digest = sha256(header.substring(BEARER.length()).strip());
    Set<Scope> held = EnumSet.noneOf(Scope.class);
    String name = null;
    for (Holder holder : holders) {
      if (MessageDigest.isEqual(digest, holder.digest())) {
        held.addAll(holder.scopes());
        name = name == null ? holder.name() : name;
      }
    }
    if (name == null) {
      failures.failed(address);
      ctx.response().putHeader(WWW_AUTHENTICATE, CHALLENGE + ", error=\"invalid_token\"");
      Problems.send(ctx, 401, "the bearer token is not valid");
      return;
    }
    if (!held.contains(scope)) {
      // RFC 6750 3.1: a valid token without the scope the route needs
      ctx.response().putHeader(WWW_AUTHENTICATE,
          CHALLENGE + ", error=\"insufficient_scope\", scope=\"" + scope.label() + "\"");
      Problems.send(ctx, 403, "the token lacks the scope " + scope.label());
      return;
    }
    ctx.put(PRINCIPAL, name);
    ctx.put(SCOPES, held);
    ctx.next();
  }

  /**
   * Whether the token of a request that passed a guard also holds {@code scope}: a route may
   * show more to a token with more scopes (the status page shows slow statements to admin).
   */
  static boolean holds(RoutingContext ctx, Scope scope) {
    Set<Scope> held = ctx.get(SCOPES);
    return held != null && held.contains(scope);
  }

  /** The TCP peer's address: forwarded headers are not trusted (any client could write them). */
  private static String address(RoutingContext ctx) {
    SocketAddress remote = ctx.request().remoteAddress();
    return clientKey(remote == null ? null : remote.hostAddress());
  }

  /**
   * What failed attempts are counted under: an IPv4 address as it is, an IPv6 address by its /64
   * prefix (one host is usually given a whole /64, so counting single addresses would give it
   * 2^64 fresh starts). {@code host} is a literal address: no name is ever looked up.
   */
  static String clientKey(String host) {
    if (host == null || host.isEmpty()) {
      return "unknown";
    }
    if (host.indexOf(':') < 0) {
      return host;
    }
    // parsed as a literal only: InetAddress.getByName would look up any text that is not one
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
    if (bytes == null || bytes.length != 16 || ipv4Mapped(bytes)) {
      return host; // not an address, or an IPv4 address written as IPv6: counted as it is
    }
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < 8; i += 2) {
      prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
    }
    return prefix.append(":/64").toString();
  }

  /** {@code ::ffff:a.b.c.d}: one IPv4 host, not a /64 of IPv6 hosts. */
  private static boolean ipv4Mapped(byte[] bytes) {
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
