package io.superloss.spark;

import org.apache.log4j.AppenderSkeleton;
import org.apache.log4j.Level;
import org.apache.log4j.Logger;
import org.apache.log4j.spi.LoggingEvent;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Collects the WARN events logged in this JVM while it is open (SLF4J logs through log4j 1.2 under Spark). */
final class LogCapture extends AppenderSkeleton implements AutoCloseable {
    private final List<LoggingEvent> events = Collections.synchronizedList(new ArrayList<>());

    LogCapture() {
        setThreshold(Level.WARN);
        Logger.getRootLogger().addAppender(this);
    }

    @Override
    protected void append(LoggingEvent event) {
        events.add(event);
    }

    /** The messages of the WARN events logged by {@code logger}'s class. */
    List<String> warnings(Class<?> logger) {
        List<String> messages = new ArrayList<>();
        synchronized (events) {
            for (LoggingEvent e : events) {
                if (e.getLevel().equals(Level.WARN) && e.getLoggerName().equals(logger.getName())) {
                    messages.add(e.getRenderedMessage());
                }
            }
        }
        return messages;
    }

    @Override
    public boolean requiresLayout() {
        return false;
    }

    @Override
    public void close() {
        Logger.getRootLogger().removeAppender(this);
    }
}
