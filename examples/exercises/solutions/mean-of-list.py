# The reference solution of examples/exercises/mean-of-list (kept outside the pack: a pack is
# handed to students). test/integration/exercises.test.ts grades it for full marks.
import json

with open('/input/data.json') as f:
    numbers = json.load(f)['numbers']

mean = sum(numbers) / len(numbers)
print(f'The mean is {mean}')

with open('/output/result.json', 'w') as f:
    json.dump({'mean': mean}, f)

with open('/output/summary.csv', 'w') as f:
    f.write('count,mean\n')
    f.write(f'{len(numbers)},{mean}\n')
