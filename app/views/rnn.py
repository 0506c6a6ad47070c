import streamlit as st
st.title("RNN step-through")
