package io.accessplan.collector.sim;

import io.accessplan.collector.BackendOptions;
import io.accessplan.collector.Preset;
import io.accessplan.collector.Sweep;
import io.accessplan.datasets.DatasetRow;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Workload;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * The sweep of a card's calibrated twin, in memory: every candidate strategy of a preset's
 * workloads on the twin's devices ({@link #devices}), measured by the simulator with the card's
 * parameters. Its rows are {@code sim}: they fill in the space around the card's measured rows when
 * a model trains on both ({@code train} does this for every measured dataset that ships a profile).
 *
 * <h2>Why the twin runs under memory caps no row was measured at</h2>
 * A measured sweep runs its card under one or two memory caps (the allocator's, to emulate a smaller
 * GPU). A cap changes which strategies fit, not how fast a step runs, but the learned step time sees
 * the capacity (the device's, and the analytic peak against it), so a card of the same engine
 * measured under another cap lands where no row of the engine is. Measured: trained on
 * {@code sim-standard} and the H100's rows and twin (all at a 4 GiB cap), the model's step-time MAPE
 * on the H200's 76 rows at 4 GiB is 17.3% and on its 540 rows at 2 GiB 31.5%, while the H100's
 * profile itself, applied to the H200's devices ({@link CalibrationProfile#appliedTo}), simulates those
 * rows within 9.6% and 16.1%. So the twin also runs under the powers of two from half the smallest
 * measured capacity to twice the largest: one rule for every card, not a choice of the caps another
 * card was measured at. The workloads are spread over the devices, so the twin has as many rows as
 * before.
 */
public final class TwinSweep {
    private TwinSweep() {
    }

    /**
     * The twin's rows, on {@link #devices}{@code (profile)}.
     *
     * @param profile the card's calibration
     * @param preset  which workloads (the measured sweeps used {@link Preset#STANDARD})
     * @param repeats timed repeats per row
     * @param seed    the sweep's seed (the preset's sampling and the simulator's noise)
     */
    public static List<DatasetRow> rows(CalibrationProfile profile, Preset preset, int repeats, long seed) {
        return onItsDevices(profile.appliedTo(devices(profile)), preset, repeats, seed);
    }

    /**
     * The rows on exactly the profile's devices, each workload on one of them at random (seeded):
     * for a profile {@link CalibrationProfile#appliedTo applied to} another card, that card's twin.
     */
    public static List<DatasetRow> onItsDevices(CalibrationProfile profile, Preset preset, int repeats, long seed) {
        List<DatasetRow> out = new ArrayList<>();
        try (SimBackend sim = new SimBackend(new BackendOptions(0, 0, seed), profile.parameters())) {
            for (Workload w : preset.workloads(profile.devices(), seed)) {
                Sweep.measureWorkload(sim, w, repeats, seed, out::add);
            }
        }
        return out;
    }

    /**
     * The twin's devices: the profile's own (as measured), then the card under every power-of-two
     * cap in GiB from half the smallest measured capacity to twice the largest that no measured
     * device has, each with the peaks of the measured device nearest in capacity. A cap never
     * exceeds the memory of a device measured without one (the whole card). All are of the
     * profile's card, so a leave-one-card-out fold leaves them out with the card's rows.
     */
    public static List<DeviceProfile> devices(CalibrationProfile profile) {
        List<DeviceProfile> measured = profile.devices();
        if (measured.isEmpty()) {
            return measured;
        }
        long gib = 1L << 30;
        long min = measured.stream().mapToLong(DeviceProfile::memoryBytes).min().orElseThrow();
        long max = measured.stream().mapToLong(DeviceProfile::memoryBytes).max().orElseThrow();
        long ceiling = measured.stream().filter(d -> d.name().equals(d.card())).mapToLong(DeviceProfile::memoryBytes)
                .min().orElse(Long.MAX_VALUE);
        TreeSet<Long> have = new TreeSet<>(measured.stream().map(DeviceProfile::memoryBytes).toList());
        List<DeviceProfile> out = new ArrayList<>(measured);
        for (long cap = gib; cap <= 2 * max && cap <= ceiling; cap *= 2) {
            if (2 * cap < min || have.contains(cap)) {
                continue;
            }
            long c = cap;
            DeviceProfile near = measured.stream()
                    .min(Comparator.comparingDouble(d -> Math.abs(Math.log((double) d.memoryBytes() / c))))
                    .orElseThrow();
            out.add(new DeviceProfile(profile.card() + "-cap" + cap / gib + "gib", cap, near.memBandwidthGBps(),
                    near.tensorTflops16(), near.tf32Tflops(), near.fp32Tflops(), near.bf16(), near.pcieGen(),
                    near.h2dGBps(), near.d2hGBps(), near.gemmTable(),
                    near.source() + "; the calibrated twin under a memory cap of " + cap / gib
                            + " GiB (no row measured at it)"));
        }
        return List.copyOf(out);
    }
}
