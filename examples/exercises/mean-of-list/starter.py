import json

with open('/input/data.json') as f:
    data = json.load(f)

numbers = data['numbers']

# 1. Compute the mean of `numbers` and print it.
# 2. Write {"mean": ...} to /output/result.json.
# 3. Write /output/summary.csv with the columns count,mean.
