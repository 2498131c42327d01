package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LsnTest {

  @Test
  void parse_formatRoundTrips() {
    assertThat(Lsn.parse("x", "0/16B3748")).isEqualTo(0x16B3748L);
    assertThat(Lsn.parse("x", "1/0")).isEqualTo(1L << 32);
    assertThat(Lsn.format(Lsn.parse("x", "a/16b3748"))).isEqualTo("A/16B3748");
    assertThat(Lsn.format(Lsn.parse("x", "FFFFFFFF/FFFFFFFF"))).isEqualTo("FFFFFFFF/FFFFFFFF");
  }

  @Test
  void parse_refusesWhatIsNoLsn() {
    for (String bad : new String[] {"", "16B3748", "0/", "/1", "0/123456789", "g/1", "0/1 ", " 0/1", "-1/1"}) {
      assertThatThrownBy(() -> Lsn.parse("minLsn", bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minLsn").hasMessageContaining("LSN");
    }
    assertThatThrownBy(() -> Lsn.parse("minLsn", null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void max_comparesUnsigned() {
    assertThat(Lsn.max(1, 2)).isEqualTo(2);
    assertThat(Lsn.max(Lsn.parse("x", "FFFFFFFF/0"), 5)).isEqualTo(Lsn.parse("x", "FFFFFFFF/0"));
    assertThat(Lsn.max(0, 0)).isZero();
  }
}
