// Package fake builds the seeded gofakeit faker every vendor uses to
// generate its data, so that the same --seed always yields the same data.
package fake

import (
	"math/rand"

	"github.com/brianvoe/gofakeit/v6"
)

// New returns a faker driven only by seed. gofakeit.New(0) would seed from
// crypto/rand; this never does, so seed 0 is as reproducible as any other.
func New(seed int64) *gofakeit.Faker {
	return gofakeit.NewCustom(rand.NewSource(seed).(rand.Source64))
}
