// The library a user imports: conversion, plus every layer below it.
@_exported import WeightKitCore
@_exported import WeightKitFormats
@_exported import WeightKitLayouts
@_exported import WeightKitVerify
