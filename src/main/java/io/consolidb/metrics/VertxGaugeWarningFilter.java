package io.consolidb.metrics;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops Micrometer's "This Gauge has been already registered" warning for Vert.x's own gauges
 * ({@code vertx.*}) and nothing else. vertx-micrometer-metrics 5 re-registers its gauges on
 * purpose (for every event-bus message received, every handler registered on an address that
 * had one, every pool re-created) and relies on the registry handing back the existing gauge;
 * Micrometer 1.13.9+ warns about that once per JVM (vertx-micrometer-metrics issue #259). The
 * warning would otherwise appear at every node start and says nothing actionable. A double
 * registration of a consolidb meter still warns. Installed from {@code logback.xml}.
 */
public final class VertxGaugeWarningFilter extends TurboFilter {

  private static final String REGISTRY_LOGGER = "io.micrometer.core.instrument.MeterRegistry";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
      Throwable t) {
    if (format != null && logger != null && REGISTRY_LOGGER.equals(logger.getName())
        && format.contains("has been already registered (MeterId{name='vertx.")) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
