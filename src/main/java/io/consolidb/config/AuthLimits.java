package io.consolidb.config;

/**
 * How many failed authentications one client address may make ({@code http.auth}): after
 * {@code maxFailures} wrong tokens within {@code windowSeconds}, the address is answered 429 for
 * {@code blockSeconds} without its token being looked at. At most {@code maxAddresses} addresses
 * are remembered (beyond that the cache's size eviction forgets some), so a flood from many
 * addresses cannot grow the node's memory. {@code maxFailures} 0 turns the limit off.
 */
public record AuthLimits(int maxFailures, int windowSeconds, int blockSeconds, int maxAddresses) {

  static AuthLimits fromJson(ConfigSection http) {
    ConfigSection auth = http.section("auth");
    return new AuthLimits(auth.integer("maxFailures", 10, 0), auth.integer("windowSeconds", 60, 1),
        auth.integer("blockSeconds", 300, 1), auth.integer("maxAddresses", 10_000, 1));
  }

  /** Whether failed authentications are limited at all. */
  public boolean enabled() {
    return maxFailures > 0;
  }
}
