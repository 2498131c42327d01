package io.consolidb.service;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a service method that only reads: calling it twice has the effect of calling it once, so
 * an event-bus proxy may send it again, to another member, when the first send found no handler,
 * timed out or lost its connection ({@link InProcessServices#eventBusProxy}). A method without it
 * is never sent twice: a write whose reply was lost may have been applied.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ReadOnly {
}
