package io.accessplan.collector;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/** Progress of a sweep: a bar with rate and ETA on a terminal, plain lines otherwise. */
public interface Progress {
    /** Starts with a total and what is already done (resumed). */
    void start(long total, long alreadyDone);

    /** One more workload done; called from worker threads. */
    void step();

    /** The sweep ended (normally or not). */
    void finish();

    /** No output. */
    static Progress silent() {
        return new Progress() {
            @Override
            public void start(long total, long alreadyDone) {
            }

            @Override
            public void step() {
            }

            @Override
            public void finish() {
            }
        };
    }

    /** A progress bar when standard error is a terminal, plain lines (every 10% or 10 s) otherwise. */
    static Progress forConsole(String task, PrintStream err) {
        return System.console() != null ? new Bar(task) : new Lines(task, err);
    }

    /** The terminal bar (progressbar library). */
    final class Bar implements Progress {
        private final String task;
        private ProgressBar bar;

        Bar(String task) {
            this.task = task;
        }

        @Override
        public synchronized void start(long total, long alreadyDone) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" workloads", 1).showSpeed().continuousUpdate().build();
            bar.stepTo(alreadyDone);
        }

        @Override
        public synchronized void step() {
            bar.step();
        }

        @Override
        public synchronized void finish() {
            if (bar != null) {
                bar.close();
            }
        }
    }

    /** Plain lines for logs and pipes. */
    final class Lines implements Progress {
        private final String task;
        private final PrintStream out;
        private final AtomicLong done = new AtomicLong();
        private long total;
        private long startedAt;
        private long resumedFrom;
        private long lastPrint;
        private long lastDecile = -1;

        Lines(String task, PrintStream out) {
            this.task = task;
            this.out = out;
        }

        @Override
        public synchronized void start(long total, long alreadyDone) {
            this.total = total;
            this.resumedFrom = alreadyDone;
            done.set(alreadyDone);
            startedAt = System.nanoTime();
            lastPrint = startedAt;
            if (alreadyDone > 0) {
                out.printf(Locale.ROOT, "%s: resuming, %d of %d workloads already done%n", task, alreadyDone, total);
            }
        }

        @Override
        public synchronized void step() {
            long d = done.incrementAndGet();
            long now = System.nanoTime();
            long decile = total == 0 ? 10 : d * 10 / total;
            if (decile != lastDecile || now - lastPrint > 10_000_000_000L) {
                lastDecile = decile;
                lastPrint = now;
                double secs = (now - startedAt) / 1e9;
                double rate = (d - resumedFrom) / Math.max(secs, 1e-9);
                long eta = rate > 0 ? (long) ((total - d) / rate) : 0;
                out.printf(Locale.ROOT, "%s: %d/%d workloads (%d%%), %.1f/s, ETA %s%n", task, d, total,
                        total == 0 ? 100 : d * 100 / total, rate, Duration.ofSeconds(eta).toString().substring(2).toLowerCase(Locale.ROOT));
            }
        }

        @Override
        public synchronized void finish() {
            out.flush();
        }
    }
}
