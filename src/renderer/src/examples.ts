/** Examples for first-time users and teachers: the seed's examples plus a plot and a CSV report. */
export interface Example {
  name: string
  environment: string
  code: string
  input: string
}

export const EXAMPLES: Example[] = [
  {
    name: 'Hello, World!',
    environment: 'default',
    code: "print('Hello, World!')\n",
    input: '{}',
  },
  {
    name: 'Working with input data',
    environment: 'default',
    code: `import json

with open("/input/data.json") as f:
    data = json.load(f)

name = data["name"]
items = data["items"]
print(f"Processing {len(items)} items for {name}")
`,
    input: '{\n  "name": "Alice",\n  "items": [1, 2, 3, 4, 5]\n}',
  },
  {
    name: 'Returning output (result.json)',
    environment: 'default',
    code: `import json

with open("/input/data.json") as f:
    data = json.load(f)

result = {
    "total": sum(data["values"]),
    "count": len(data["values"]),
    "average": sum(data["values"]) / len(data["values"]),
}

with open("/output/result.json", "w") as f:
    json.dump(result, f)
`,
    input: '{\n  "values": [10, 20, 30, 40, 50]\n}',
  },
  {
    name: 'Several output files',
    environment: 'default',
    code: `import json

with open("/input/data.json") as f:
    data = json.load(f)

with open("/output/result.json", "w") as f:
    json.dump({"status": "complete"}, f)

with open("/output/report.txt", "w") as f:
    f.write(f"Processed {len(data['items'])} items\\n")

with open("/output/data.csv", "w") as f:
    f.write("id,value\\n")
    for i, v in enumerate(data["items"]):
        f.write(f"{i},{v}\\n")
`,
    input: '{\n  "items": ["apple", "banana", "cherry"]\n}',
  },
  {
    name: 'Print debugging',
    environment: 'default',
    code: `import json

print("Starting execution...")
with open("/input/data.json") as f:
    data = json.load(f)
print(f"Got {len(data)} keys")
for key, value in data.items():
    print(f"  {key}: {value}")
print("Done!")

with open("/output/result.json", "w") as f:
    json.dump({"processed": True}, f)
`,
    input: '{\n  "a": 1,\n  "b": 2\n}',
  },
  {
    name: 'A matplotlib plot',
    environment: 'data-processing',
    code: `import numpy as np
import matplotlib.pyplot as plt

x = np.linspace(0, 2 * np.pi, 200)
fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
ax.plot(x, np.sin(x), label="sin")
ax.plot(x, np.cos(x), label="cos")
ax.legend()
ax.set_title("Waves")
fig.savefig("/output/waves.png")
print("saved /output/waves.png")
`,
    input: '{}',
  },
  {
    name: 'A CSV report with pandas',
    environment: 'data-processing',
    code: `import json
import pandas as pd

with open("/input/data.json") as f:
    data = json.load(f)

df = pd.DataFrame(data["sales"])
report = df.groupby("region")["amount"].agg(["count", "sum", "mean"]).reset_index()
report.to_csv("/output/report.csv", index=False)
print(report.to_string(index=False))

with open("/output/result.json", "w") as f:
    json.dump({"regions": len(report), "total": float(df["amount"].sum())}, f)
`,
    input: JSON.stringify(
      {
        sales: [
          { region: 'north', amount: 120 },
          { region: 'south', amount: 80 },
          { region: 'north', amount: 45.5 },
          { region: 'east', amount: 200 },
        ],
      },
      null,
      2,
    ),
  },
]
