package io.accessplan.cuda.nvml;

/**
 * A device's cumulative energy counter. The counter advances in steps (NVML updates it every
 * ~20-100 ms, see {@link EnergyWindow}), so one reading says little; the difference over a
 * window of many updates is the energy the board drew in that window.
 */
public interface EnergyCounter extends AutoCloseable {
    /** Energy the device has used since the driver loaded, millijoules. */
    long millijoules();

    /** Releases the counter (NVML's reference). */
    @Override
    void close();
}
