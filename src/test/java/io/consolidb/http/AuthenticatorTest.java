package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The key failed authentications are counted under. */
class AuthenticatorTest {

  @Test
  void clientKey_ipv4AsItIs() {
    assertThat(Authenticator.clientKey("203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(Authenticator.clientKey(null)).isEqualTo("unknown");
  }

  @Test
  void clientKey_ipv6ByItsSlash64() {
    assertThat(Authenticator.clientKey("2001:db8:1:2:aaaa::1")).isEqualTo("2001:db8:1:2::/64");
    assertThat(Authenticator.clientKey("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        .as("any address of the same /64").isEqualTo("2001:db8:1:2::/64");
    assertThat(Authenticator.clientKey("2001:db8:1:3::1")).isEqualTo("2001:db8:1:3::/64");
    assertThat(Authenticator.clientKey("0:0:0:0:0:0:0:1")).isEqualTo("0:0:0:0::/64");
  }
}
