package io.accessplan.features;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The GPUs accessplan knows, by name. The built-in catalog is the data file
 * {@code devices.csv} (with a source per row); users add their own profiles from a file with the
 * same columns.
 */
public final class DeviceCatalog {
    /** The columns of a catalog file, in order. */
    public static final String HEADER = "name,memory_gib,mem_bw_gbps,tensor_tflops_16,tf32_tflops,fp32_tflops,"
            + "bf16,pcie_gen,h2d_gbps,d2h_gbps,gemm_table,source";

    private static final DeviceCatalog BUILTIN = loadBuiltin();

    private final Map<String, DeviceProfile> byName;

    private DeviceCatalog(Map<String, DeviceProfile> byName) {
        this.byName = Map.copyOf(byName);
        this.order = List.copyOf(byName.keySet());
    }

    private final List<String> order;

    /** The built-in catalog. */
    public static DeviceCatalog builtin() {
        return BUILTIN;
    }

    /** The built-in catalog plus the profiles of a user file, or just the built-in one when the file is null. */
    public static DeviceCatalog builtinWith(Path userFile) {
        return userFile == null ? BUILTIN : BUILTIN.withFile(userFile);
    }

    /** This catalog plus the profiles of a user file (which override same-named built-ins). */
    public DeviceCatalog withFile(Path file) {
        Map<String, DeviceProfile> m = new LinkedHashMap<>();
        for (String n : order) {
            m.put(n, byName.get(n));
        }
        try (InputStream in = Files.newInputStream(file)) {
            for (DeviceProfile p : parse(in, file.toString())) {
                m.put(p.name(), p);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("Unreadable device file: " + file + " (" + e.getMessage() + ")");
        }
        return new DeviceCatalog(m);
    }

    /** This catalog plus one profile (for a measured card, say). */
    public DeviceCatalog with(DeviceProfile p) {
        Map<String, DeviceProfile> m = new LinkedHashMap<>();
        for (String n : order) {
            m.put(n, byName.get(n));
        }
        m.put(p.name(), p);
        return new DeviceCatalog(m);
    }

    /** The profile of a device, or an error naming the unknown device and the known ones. */
    public DeviceProfile get(String name) {
        DeviceProfile p = name == null ? null : byName.get(name.trim().toLowerCase(Locale.ROOT));
        if (p == null) {
            throw new IllegalArgumentException("Unknown device: " + name + " (expected one of "
                    + String.join(", ", order) + ")");
        }
        return p;
    }

    /** Every profile, in file order. */
    public Collection<DeviceProfile> all() {
        return order.stream().map(byName::get).toList();
    }

    /** Every device name, in file order. */
    public List<String> names() {
        return order;
    }

    private static DeviceCatalog loadBuiltin() {
        try (InputStream in = DeviceCatalog.class.getResourceAsStream("devices.csv")) {
            if (in == null) {
                throw new IllegalStateException("devices.csv missing from the features jar");
            }
            Map<String, DeviceProfile> m = new LinkedHashMap<>();
            for (DeviceProfile p : parse(in, "devices.csv")) {
                m.put(p.name(), p);
            }
            return new DeviceCatalog(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<DeviceProfile> parse(InputStream in, String where) throws IOException {
        List<DeviceProfile> out = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int no = 0;
        boolean header = false;
        while ((line = r.readLine()) != null) {
            no++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (!header) {
                if (!line.trim().equals(HEADER)) {
                    throw new IllegalArgumentException("Invalid device file header in " + where + ": " + line
                            + " (expected " + HEADER + ")");
                }
                header = true;
                continue;
            }
            List<String> f = splitCsv(line);
            if (f.size() != 12) {
                throw new IllegalArgumentException("Invalid device row " + where + ":" + no + ": expected 12 fields, got "
                        + f.size());
            }
            try {
                out.add(new DeviceProfile(f.get(0).trim().toLowerCase(Locale.ROOT),
                        Math.round(Double.parseDouble(f.get(1)) * (1L << 30)),
                        Double.parseDouble(f.get(2)), Double.parseDouble(f.get(3)), Double.parseDouble(f.get(4)),
                        Double.parseDouble(f.get(5)), Boolean.parseBoolean(f.get(6).trim()), Integer.parseInt(f.get(7).trim()),
                        Double.parseDouble(f.get(8)), Double.parseDouble(f.get(9)), f.get(10).trim(), f.get(11)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Invalid device row " + where + ":" + no + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** Splits one CSV line, honouring double quotes. */
    public static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
