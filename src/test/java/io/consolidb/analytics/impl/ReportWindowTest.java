package io.consolidb.analytics.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class ReportWindowTest {

  private static final Instant NOW = Instant.parse("2025-06-10T15:00:00Z");
  private static final LocalDate FIRST = LocalDate.parse("2025-01-01");

  @Test
  void cacheTags_dayTagsUpToTheirCap_monthTagsBeyond() {
    // the last day is the day before "to": MAX_DAY_TAGS days in all
    ReportWindow days = ReportWindow.parse(FIRST.toString(), FIRST.plusDays(ReportWindow.MAX_DAY_TAGS).toString(), NOW);
    assertThat(days.cacheTags()).hasSize(ReportWindow.MAX_DAY_TAGS)
        .startsWith("analytics:events:2025-01-01").endsWith("analytics:events:2025-03-03");
    // one day more: the months instead (January to March)
    ReportWindow months = ReportWindow.parse(FIRST.toString(),
        FIRST.plusDays(ReportWindow.MAX_DAY_TAGS + 1).toString(), NOW);
    assertThat(months.cacheTags()).containsExactly("analytics:events:2025-01", "analytics:events:2025-02",
        "analytics:events:2025-03");
  }
}
