package io.accessplan.cuda;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * Runs this module's tests without Maven, for a GPU machine that only gets a JDK and the jars:
 * {@code java -cp <test classes, classes, jars, junit-platform-launcher> io.accessplan.cuda.GpuTestMain}.
 * Prints one line per test (passed, skipped with its reason, failed with its message) and the
 * summary; exit 1 when a test failed. Not a test itself (Surefire's patterns do not match it).
 */
public final class GpuTestMain {
    private GpuTestMain() {
    }

    /** Runs every test of {@code io.accessplan.cuda} (or the package given as the first argument). */
    public static void main(String[] args) {
        String pkg = args.length > 0 ? args[0] : "io.accessplan.cuda";
        LauncherDiscoveryRequest req = request().selectors(selectPackage(pkg)).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener lines = new TestExecutionListener() {
            private long started;

            @Override
            public void executionStarted(TestIdentifier id) {
                started = System.nanoTime();
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                System.out.println("SKIPPED " + name(id) + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                if (!id.isTest()) {
                    if (r.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                        System.out.println("CONTAINER " + r.getStatus() + " " + name(id) + ": "
                                + r.getThrowable().map(Throwable::toString).orElse(""));
                    }
                    return;
                }
                String ms = String.format(java.util.Locale.ROOT, "%.0f ms", (System.nanoTime() - started) / 1e6);
                System.out.println(r.getStatus() + " " + name(id) + " (" + ms + ")"
                        + r.getThrowable().map(t -> ": " + t).orElse(""));
            }
        };
        launcher.execute(req, summary, lines);
        TestExecutionSummary s = summary.getSummary();
        s.printTo(new PrintWriter(System.out, true));
        s.printFailuresTo(new PrintWriter(System.out, true), 20);
        System.exit(s.getTotalFailureCount() > 0 ? 1 : 0);
    }

    private static String name(TestIdentifier id) {
        return id.getUniqueId().replaceAll("\\[[a-z-]+:", "").replace("]", "").replace("/", " ");
    }
}
