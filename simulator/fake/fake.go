// Package fake builds the seeded gofakeit fakers every vendor uses to
// generate its data, so that the same --seed always yields the same data.
package fake

import "github.com/brianvoe/gofakeit/v6"

// Record returns the faker of record i of a data set seeded with seed: a
// pure function of (seed, i), independent of every other record (seed 0
// is as reproducible as any other; gofakeit.New(0) would use crypto/rand). That is
// what lets a vendor make record 70,000 on first use without making the
// 69,999 before it, so startup costs the same for 1k or 1M records. Its
// source is SplitMix64, whose seeding is one store (math/rand's default
// source costs microseconds to seed).
func Record(seed int64, i int) *gofakeit.Faker {
	s := splitMix(uint64(seed)*0x9E3779B97F4A7C15 ^ uint64(i))
	return gofakeit.NewCustom(&s)
}

// splitMix is the SplitMix64 generator (Steele, Lea, Flood 2014) as the
// math/rand.Source64 gofakeit draws from.
type splitMix uint64

func (s *splitMix) Uint64() uint64 {
	*s += 0x9E3779B97F4A7C15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (s *splitMix) Int63() int64    { return int64(s.Uint64() >> 1) }
func (s *splitMix) Seed(seed int64) { *s = splitMix(seed) }
