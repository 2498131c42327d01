package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GlobTest {

  @Test
  void toRegex_matchesAsRedisDoes() {
    assertThat(Glob.toRegex("restaurants:*").matcher("restaurants:id:1").matches()).isTrue();
    assertThat(Glob.toRegex("restaurants:*").matcher("users:1").matches()).isFalse();
    assertThat(Glob.toRegex("r?:1").matcher("ra:1").matches()).isTrue();
    assertThat(Glob.toRegex("id:[12]").matcher("id:2").matches()).isTrue();
    assertThat(Glob.toRegex("id:[^12]").matcher("id:2").matches()).isFalse();
    assertThat(Glob.toRegex("id:[a-c]").matcher("id:b").matches()).isTrue();
    assertThat(Glob.toRegex("a\\*b").matcher("a*b").matches()).isTrue();
    assertThat(Glob.toRegex("a\\*b").matcher("axb").matches()).isFalse();
    assertThat(Glob.toRegex("q.(x)+").matcher("q.(x)+").matches()).isTrue();
  }
}
