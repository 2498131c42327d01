package io.consolidb.tracing;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.consolidb.config.KnownSecrets;

/**
 * {@code %maskedEx} in a logback pattern: the stack trace with secrets masked, as
 * {@link MaskedMessageConverter} does for the message. A driver's exception message may quote a
 * connection string; the pattern names this converter so logback does not append its own.
 */
public final class MaskedThrowableConverter extends ThrowableProxyConverter {

  @Override
  public String convert(ILoggingEvent event) {
    return KnownSecrets.scrub(super.convert(event));
  }
}
