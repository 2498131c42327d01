package io.consolidb.tracing;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.consolidb.config.KnownSecrets;

/**
 * {@code %maskedMsg} in a logback pattern: the message with every known secret value and every
 * secret-looking pair masked ({@link KnownSecrets#scrub}), whoever wrote it.
 */
public final class MaskedMessageConverter extends MessageConverter {

  @Override
  public String convert(ILoggingEvent event) {
    return KnownSecrets.scrub(super.convert(event));
  }
}
