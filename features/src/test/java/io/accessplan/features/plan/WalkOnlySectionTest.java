package io.accessplan.features.plan;

import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A walk-only section (its operations handed to a sink as the template adds them, nothing stored:
 * what the estimator sums) is the stored section the planner reads: every template, on every
 * family, precision and attention of the schedule fixtures (autocast included) and at several
 * micro-batch sizes, hands the sink the stored operations, in order and field by field, and
 * leaves the same tensor sizes, gradient flags, input, output and saved bytes, both ways; and the
 * saved and core flags either form notes as operations arrive are those their definitions give
 * from the stored operations.
 */
class WalkOnlySectionTest {

    /** A sink that writes down each operation as the record a stored section would hold. */
    private static final class Recorder implements Section.Ops {
        final List<String> ops = new ArrayList<>();

        @Override
        public void op(Section s, OpKind kind, int[] in, int[] out, int[] bwd, double flops, int m, int n, int k,
                       int batch, boolean weight, boolean core, double bwdFlopsFactor) {
            ops.add(text(kind, in, out, bwd, flops, m, n, k, batch, weight, core, bwdFlopsFactor));
        }
    }

    private static String text(OpKind kind, int[] in, int[] out, int[] bwd, double flops, int m, int n, int k,
                               int batch, boolean weight, boolean core, double bwdFlopsFactor) {
        return kind + " " + Arrays.toString(in) + Arrays.toString(out) + Arrays.toString(bwd) + " "
                + Double.doubleToRawLongBits(flops) + " " + m + " " + n + " " + k + " " + batch + " " + weight + " "
                + core + " " + Double.doubleToRawLongBits(bwdFlopsFactor);
    }

    @FunctionalInterface
    private interface Template {
        Section at(Workload w, int b, Section.Ops sink);
    }

    @Test
    void aWalkOnlySectionHandsTheSinkTheStoredSectionsOperations() {
        List<Workload> ws = ScheduleInvariantsTest.schedules().map(a -> (Workload) a.get()[0]).distinct()
                .collect(Collectors.toList());
        Template[] templates = {Section::layer, Section::embedding, Section::head};
        int compared = 0;
        for (Workload w : ws) {
            for (int b : new int[]{1, 2, 3, 8, 17}) {
                for (Template t : templates) {
                    Section stored = t.at(w, b, null);
                    Recorder r = new Recorder();
                    Section walked = t.at(w, b, r);
                    List<String> want = new ArrayList<>();
                    for (Section.F f : stored.ops) {
                        want.add(text(f.kind(), f.in(), f.out(), f.bwd(), f.flops(), f.m(), f.n(), f.k(), f.batch(),
                                f.weight(), f.core(), f.bwdFlopsFactor()));
                    }
                    assertEquals(want, r.ops, w.canonical() + " at " + b);
                    assertTrue(walked.ops.isEmpty() && walked.tensors.isEmpty(), "a walk-only section stores nothing");
                    assertEquals(stored.tensors.size(), walked.count);
                    long[] bytes = new long[stored.tensors.size()];
                    boolean[] grad = new boolean[bytes.length];
                    for (int i = 0; i < bytes.length; i++) {
                        bytes[i] = stored.tensors.get(i).bytes();
                        grad[i] = stored.tensors.get(i).grad();
                    }
                    assertArrayEquals(bytes, Arrays.copyOf(walked.bytes, walked.count));
                    assertArrayEquals(grad, Arrays.copyOf(walked.grad, walked.count));
                    assertEquals(stored.input, walked.input);
                    assertEquals(stored.output, walked.output);
                    // saved and core by their definitions, from the stored operations
                    boolean[] saved = new boolean[bytes.length];
                    boolean[] core = new boolean[bytes.length];
                    long all = 0;
                    long nonCore = 0;
                    for (Section.F f : stored.ops) {
                        for (int x : f.bwd()) {
                            saved[x] = true;
                        }
                        for (int x : f.core() ? f.out() : new int[0]) {
                            core[x] = true;
                        }
                    }
                    for (int i = 0; i < bytes.length; i++) {
                        all += saved[i] && i != stored.output ? bytes[i] : 0;
                        nonCore += saved[i] && !core[i] && i != stored.output ? bytes[i] : 0;
                    }
                    assertArrayEquals(saved, stored.saved());
                    assertArrayEquals(core, stored.core());
                    assertArrayEquals(new long[]{all, nonCore}, walked.savedBytes());
                    assertArrayEquals(new long[]{all, nonCore}, new long[]{stored.savedBytes(true),
                            stored.savedBytes(false)});
                    compared++;
                }
            }
        }
        assertTrue(compared >= 90, "sections compared: " + compared);
    }
}
